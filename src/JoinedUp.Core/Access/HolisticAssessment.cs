using System.Reflection;
using Hl7.Fhir.Model;

namespace JoinedUp.Access;

/// <summary>
/// The checked-in holistic assessment (Access/holistic-assessment.json, a FHIR Questionnaire) and the turning of a
/// form's answers into a QuestionnaireResponse, with a message for each required answer that is missing or wrong.
/// </summary>
public static class HolisticAssessment
{
    public const string Url = "https://joinedup.example/fhir/Questionnaire/holistic-assessment";

    /// <summary>The questionnaire a service answers for its own section.</summary>
    public const string ServiceSectionUrl = "https://joinedup.example/fhir/Questionnaire/service-section";

    private static readonly Lazy<string> JsonText = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("JoinedUp.Access.holistic-assessment.json")
            ?? throw new InvalidOperationException("The holistic assessment questionnaire is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private static readonly Lazy<Questionnaire> Parsed = new(() => JoinedUp.Fhir.FhirJson.Parse<Questionnaire>(JsonText.Value));

    /// <summary>The Questionnaire resource (a fresh copy each time: callers may change it).</summary>
    public static Questionnaire Questionnaire => (Questionnaire)Parsed.Value.DeepCopy();

    public static string QuestionnaireJson => JsonText.Value;

    public static IReadOnlyList<Questionnaire.ItemComponent> Items => Parsed.Value.Item;

    /// <summary>Builds the response from form answers keyed by linkId; returns the problems instead when any required answer is missing or a choice is not offered.</summary>
    public static (QuestionnaireResponse? Response, IReadOnlyList<IntakeProblem> Problems) Build(IReadOnlyDictionary<string, string?> answers, long patientId, string author, DateTime nowUtc)
    {
        var problems = new List<IntakeProblem>();
        var response = new QuestionnaireResponse
        {
            Questionnaire = Url,
            Status = QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
            Subject = new ResourceReference($"Patient/{patientId}"),
            Authored = new DateTimeOffset(DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc)).ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture),
            Author = new ResourceReference { Display = author },
        };
        foreach (var item in Items)
        {
            answers.TryGetValue(item.LinkId ?? "", out var raw);
            var value = string.IsNullOrWhiteSpace(raw) ? null : raw.Trim();
            if (value is null)
            {
                if (item.Required == true) problems.Add(new($"answer.{item.LinkId}", $"Answer \"{item.Text}\": the assessment needs it."));
                continue;
            }
            if (value.Length > 2000)
            {
                problems.Add(new($"answer.{item.LinkId}", $"Keep the answer to \"{item.Text}\" under 2000 characters."));
                continue;
            }
            DataType? answer = null;
            switch (item.Type)
            {
                case Questionnaire.QuestionnaireItemType.Boolean:
                    answer = value switch { "yes" or "true" => new FhirBoolean(true), "no" or "false" => new FhirBoolean(false), _ => null };
                    if (answer is null) problems.Add(new($"answer.{item.LinkId}", $"Answer \"{item.Text}\" with yes or no."));
                    break;
                case Questionnaire.QuestionnaireItemType.Choice:
                    var options = item.AnswerOption.Select(o => (o.Value as FhirString)?.Value).OfType<string>().ToList();
                    if (options.Contains(value, StringComparer.Ordinal)) answer = new FhirString(value);
                    else problems.Add(new($"answer.{item.LinkId}", $"Choose one of {string.Join(", ", options)} for \"{item.Text}\"."));
                    break;
                default:
                    answer = new FhirString(value);
                    break;
            }
            if (answer is not null)
            {
                response.Item.Add(new QuestionnaireResponse.ItemComponent { LinkId = item.LinkId, Text = item.Text, Answer = [new() { Value = answer }] });
            }
        }
        return problems.Count > 0 ? (null, problems) : (response, []);
    }

    /// <summary>A service's own section: free text of what that service needs beyond the holistic assessment.</summary>
    public static QuestionnaireResponse ServiceSection(string serviceName, string notes, long patientId, string author, DateTime nowUtc) => new()
    {
        Questionnaire = ServiceSectionUrl,
        Status = QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
        Subject = new ResourceReference($"Patient/{patientId}"),
        Authored = new DateTimeOffset(DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc)).ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture),
        Author = new ResourceReference { Display = author },
        Item = [new() { LinkId = "service-notes", Text = $"{serviceName}: what this service needs to know", Answer = [new() { Value = new FhirString(notes) }] }],
    };

    /// <summary>The answers of a stored response as (question, answer text) pairs, for reading.</summary>
    public static IReadOnlyList<(string Question, string Answer)> Read(string responseJson)
    {
        var response = JoinedUp.Fhir.FhirJson.Parse<QuestionnaireResponse>(responseJson);
        return response.Item.Select(i => (i.Text ?? i.LinkId ?? "", string.Join(", ", i.Answer.Select(a => a.Value switch
        {
            FhirBoolean b => b.Value == true ? "Yes" : "No",
            PrimitiveType p => p.ToString() ?? "",
            _ => "",
        })))).ToList();
    }
}
