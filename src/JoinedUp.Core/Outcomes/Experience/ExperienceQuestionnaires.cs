using System.Reflection;
using Hl7.Fhir.Model;

namespace JoinedUp.Outcomes.Experience;

/// <summary>One problem with a submitted answer, naming the item (its linkId) and saying what to do.</summary>
public sealed record ExperienceProblem(string Field, string Message);

/// <summary>One choice offered for an item.</summary>
public sealed record ExperienceOption(string Code, string Display);

/// <summary>One item of a questionnaire, as the forms render it.</summary>
public sealed record ExperienceItem(string LinkId, string Text, bool IsChoice, bool Required, IReadOnlyList<ExperienceOption> Options);

/// <summary>A checked-in experience questionnaire.</summary>
public sealed record ExperienceQuestionnaire(string Id, string Url, string Version, string Title, IReadOnlyList<ExperienceItem> Items)
{
    /// <summary>The canonical with version, as a response's <c>questionnaire</c>.</summary>
    public string Canonical => $"{Url}|{Version}";

    public ExperienceItem? Item(string linkId) => Items.FirstOrDefault(i => string.Equals(i.LinkId, linkId, StringComparison.Ordinal));
}

/// <summary>
/// The two checked-in questionnaires (docs/adr/0006, 5): <c>fft</c> (Outcomes/Experience/fft.json) and <c>experience</c>
/// (experience.json), served as FHIR Questionnaires, and the checking of a form's answers against them.
/// </summary>
public static class ExperienceQuestionnaires
{
    public const string Fft = "fft";

    public const string Experience = "experience";

    /// <summary>The code system of every answer code (lower-case, stable ids such as <c>very-good</c>).</summary>
    public const string AnswerSystem = "https://joinedup.example/fhir/CodeSystem/experience-answer";

    /// <summary>The longest free-text answer kept.</summary>
    public const int MaxText = 2000;

    private static readonly Lazy<IReadOnlyDictionary<string, (string Json, Questionnaire Resource, ExperienceQuestionnaire Model)>> Loaded = new(() =>
        new[] { Fft, Experience }.ToDictionary(id => id, Load, StringComparer.Ordinal));

    /// <summary>The questionnaire ids, in order.</summary>
    public static IReadOnlyList<string> Ids { get; } = [Fft, Experience];

    /// <summary>The questionnaire, or null for an unknown id.</summary>
    public static ExperienceQuestionnaire? Find(string id) => Loaded.Value.TryGetValue(id, out var q) ? q.Model : null;

    /// <summary>The FHIR resource (a fresh copy: callers may change it), or null for an unknown id.</summary>
    public static Questionnaire? Resource(string id) => Loaded.Value.TryGetValue(id, out var q) ? (Questionnaire)q.Resource.DeepCopy() : null;

    /// <summary>
    /// Checks answers keyed by linkId: the required items answered, choice codes among those offered, free text at most
    /// <see cref="MaxText"/> characters. Returns the answers to keep (blank ones left out) or the problems.
    /// </summary>
    public static (IReadOnlyList<ExperienceAnswer> Answers, IReadOnlyList<ExperienceProblem> Problems) Check(ExperienceQuestionnaire questionnaire, IReadOnlyDictionary<string, string?> submitted)
    {
        var answers = new List<ExperienceAnswer>();
        var problems = new List<ExperienceProblem>();
        foreach (var item in questionnaire.Items)
        {
            submitted.TryGetValue(item.LinkId, out var raw);
            var value = string.IsNullOrWhiteSpace(raw) ? null : raw.Trim();
            if (value is null)
            {
                if (item.Required) problems.Add(new(item.LinkId, $"Choose an answer to \"{item.Text}\"."));
                continue;
            }
            if (item.IsChoice)
            {
                if (item.Options.Any(o => string.Equals(o.Code, value, StringComparison.Ordinal))) answers.Add(new ExperienceAnswer { LinkId = item.LinkId, Code = value });
                else problems.Add(new(item.LinkId, $"The answer to \"{item.Text}\" must be one of the choices offered ({string.Join(", ", item.Options.Select(o => o.Display.ToLowerInvariant()))}): choose one of them."));
            }
            else if (value.Length > MaxText)
            {
                problems.Add(new(item.LinkId, $"Keep your answer to \"{item.Text}\" to {MaxText} characters or fewer: it has {value.Length}."));
            }
            else
            {
                answers.Add(new ExperienceAnswer { LinkId = item.LinkId, Text = value });
            }
        }
        return problems.Count > 0 ? ([], problems) : (answers, []);
    }

    private static (string, Questionnaire, ExperienceQuestionnaire) Load(string id)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"JoinedUp.Outcomes.Experience.{id}.json")
            ?? throw new InvalidOperationException($"The {id} questionnaire is missing from the assembly.");
        using var reader = new StreamReader(stream);
        var json = reader.ReadToEnd();
        var resource = JoinedUp.Fhir.FhirJson.Parse<Questionnaire>(json);
        var items = resource.Item.Select(i => new ExperienceItem(i.LinkId ?? "", i.Text ?? "", i.Type == Questionnaire.QuestionnaireItemType.Choice, i.Required == true,
            i.AnswerOption.Select(o => o.Value).OfType<Coding>().Select(c => new ExperienceOption(c.Code ?? "", c.Display ?? c.Code ?? "")).ToList())).ToList();
        return (json, resource, new ExperienceQuestionnaire(resource.Id ?? id, resource.Url ?? "", resource.Version ?? "1", resource.Title ?? id, items));
    }
}
