using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Outcomes.Experience;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Web.Fhir;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Web.Outcomes;

/// <summary>
/// Patient experience over HTTP (docs/adr/0006, 5). REST for staff: a person's open invitations, and a fresh link for one
/// to print or read out (shown once). FHIR: the two Questionnaires, and the anonymous responses as QuestionnaireResponses
/// (ids <c>experience-&lt;id&gt;</c>, no subject, authored as a date) for <c>outcomes.read</c>.
/// </summary>
internal static class ExperienceApi
{
    public static void MapExperienceApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/experience").WithTags("Outcomes");

        group.MapGet("/invitations", async Task<IResult> (long? patientId, HttpContext http, ExperienceAnswerService experience, CancellationToken ct) =>
            {
                if (patientId is not { } pid) return TypedResults.Problem(new() { Status = 422, Title = "Name the patient", Detail = "Send ?patientId=<id>: the person whose invitations to list." });
                var open = await experience.ForStaffAsync(http.RequiredCaller(), pid, ct).ConfigureAwait(false);
                return open is null ? Refused() : TypedResults.Ok(open);
            })
            .RequirePermission(Permission.RecordRead)
            .WithName("ListExperienceInvitations").WithSummary("A person's open experience invitations (never their answers), for staff with a full view of their record.");

        group.MapPost("/invitations/{id:long}/link", async Task<IResult> (long id, HttpContext http, ExperienceAnswerService experience, CancellationToken ct) =>
            {
                var link = await experience.IssueLinkAsync(http.RequiredCaller(), id, ct).ConfigureAwait(false);
                if (link is null) return Refused();
                return TypedResults.Ok(new { url = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/feedback/{link.Token}", expiresAt = link.ExpiresAt });
            })
            .RequirePermission(Permission.RecordRead)
            .WithName("IssueExperienceLink").WithSummary("A fresh public link for an open invitation, shown once (print it or read it out); an earlier link stops working.");

        MapRespond(group);
    }

    /// <summary>The answers to an invitation, keyed by linkId (codes for choices, text for free text).</summary>
    public sealed record AnswersRequest(Dictionary<string, string?>? Answers);

    private static void MapRespond(RouteGroupBuilder group)
    {
        group.MapGet("/mine", async Task<IResult> (HttpContext http, ExperienceAnswerService experience, JoinedUp.Care.MyCareService myCare, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                var people = await myCare.PeopleAsync(who, ct).ConfigureAwait(false);
                var open = new List<object>();
                foreach (var person in people)
                {
                    open.AddRange((await experience.OpenForAsync(who, person.PatientId, ct).ConfigureAwait(false)).Select(i => new { person.PatientId, person.Name, invitation = i }));
                }
                return TypedResults.Ok(open);
            })
            .RequirePermission(Permission.ExperienceRespond)
            .WithName("MyExperienceInvitations").WithSummary("The open invitations the caller may answer: their own from 16, and those of people who gave them a carer's proxy.");

        group.MapPost("/invitations/{id:long}/answers", async Task<IResult> (long id, AnswersRequest? body, HttpContext http, ExperienceAnswerService experience, CancellationToken ct) =>
            {
                var result = await experience.AnswerInViewAsync(http.RequiredCaller(), id, body?.Answers ?? [], ct).ConfigureAwait(false);
                return result.Outcome switch
                {
                    AnswerOutcome.Saved => TypedResults.Created(),
                    AnswerOutcome.Invalid => TypedResults.Problem(new()
                    {
                        Status = 422, Title = "Check the answers", Detail = string.Join(" ", result.Problems.Select(p => p.Message)),
                        Extensions = { ["problems"] = result.Problems },
                    }),
                    AnswerOutcome.AlreadyAnswered => TypedResults.Problem(new() { Status = 409, Title = "Already answered", Detail = "This invitation was already answered; an invitation is answered once." }),
                    AnswerOutcome.Expired => TypedResults.Problem(new() { Status = 410, Title = "Expired", Detail = "The time to answer this invitation has passed." }),
                    _ => TypedResults.Problem(new() { Status = 404, Title = "Not found", Detail = "You have no open invitation with this id." }),
                };
            })
            .RequirePermission(Permission.ExperienceRespond)
            .WithName("AnswerExperienceInvitation").WithSummary("Answer an invitation in the patient view (the patient from 16, or a carer with a proxy); anonymous once stored.");
    }

    public static void MapExperienceFhir(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/Questionnaire/{id}", (string id) => ExperienceQuestionnaires.Resource(id) is { } q
                ? FhirResults.Resource(q)
                : FhirResults.Problem(404, OperationOutcome.IssueType.NotFound, $"There is no Questionnaire '{id}'. This server has holistic-assessment, {string.Join(", ", ExperienceQuestionnaires.Ids)}."))
            .AllowAnonymous().WithName("FhirReadExperienceQuestionnaire").WithSummary("The patient experience questionnaires: fft (Friends and Family Test) and experience.");

        fhir.MapGet("/QuestionnaireResponse/experience-{rid:long}", async (long rid, JoinedUpDbContext db, CancellationToken ct) =>
            {
                var response = await db.ExperienceResponses.AsNoTracking().FirstOrDefaultAsync(r => r.Id == rid, ct).ConfigureAwait(false);
                if (response is null) return FhirResults.Problem(404, OperationOutcome.IssueType.NotFound, $"There is no experience response {rid}.");
                var answers = await db.ExperienceAnswers.AsNoTracking().Where(a => a.ResponseId == rid).ToListAsync(ct).ConfigureAwait(false);
                return FhirResults.Resource(ToFhir(response, answers));
            })
            .RequirePermission(Permission.OutcomesRead)
            .WithName("FhirReadExperienceResponse").WithSummary("An anonymous patient experience response: no subject, authored as a date, free text included for outcomes.read.");

        fhir.MapGet("/QuestionnaireResponse", async (HttpContext http, JoinedUpDbContext db, CancellationToken ct) =>
            {
                var query = http.Request.Query;
                var questionnaire = query["questionnaire"].ToString();
                // Accept the id, or the canonical (with or without |version).
                var id = questionnaire.Split('|')[0];
                if (id.StartsWith("https://", StringComparison.Ordinal)) id = id[(id.LastIndexOf('/') + 1)..];
                if (ExperienceQuestionnaires.Find(id) is null)
                {
                    return FhirResults.Problem(400, OperationOutcome.IssueType.Required,
                        $"Search QuestionnaireResponse by questionnaire: {string.Join(" or ", ExperienceQuestionnaires.Ids)} (the anonymous experience responses). An assessment is read by its id.", "questionnaire");
                }
                var count = int.TryParse(query["_count"], NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? Math.Clamp(c, 1, 1000) : 100;
                _ = long.TryParse(query["_cursor"], NumberStyles.None, CultureInfo.InvariantCulture, out var after);
                var rows = db.ExperienceResponses.AsNoTracking().Where(r => r.Questionnaire == id && r.Id > after);
                if (query["authored"].ToString() is { Length: > 0 } authored)
                {
                    if (!DateParam.TryParse(authored, out var d)) return FhirResults.Problem(400, OperationOutcome.IssueType.Invalid, "authored is a date with an optional prefix, for example ge2026-01-01.", "authored");
                    rows = rows.Where(d, r => r.AuthoredDate);
                }
                var page = await rows.OrderBy(r => r.Id).Take(count + 1).ToListAsync(ct).ConfigureAwait(false);
                var more = page.Count > count;
                if (more) page.RemoveAt(page.Count - 1);
                var ids = page.Select(r => r.Id).ToList();
                var answers = (await db.ExperienceAnswers.AsNoTracking().Where(a => ids.Contains(a.ResponseId)).ToListAsync(ct).ConfigureAwait(false)).ToLookup(a => a.ResponseId);
                var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
                foreach (var r in page)
                {
                    bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{FhirEndpoints.BaseUrl(http)}/QuestionnaireResponse/experience-{r.Id}", Resource = ToFhir(r, answers[r.Id]), Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
                }
                if (more) bundle.Link.Add(FhirQuery.NextLink(http, "QuestionnaireResponse", page[^1].Id));
                return FhirResults.Resource(bundle);
            })
            .RequirePermission(Permission.OutcomesRead)
            .WithName("FhirSearchExperienceResponses").WithSummary("Anonymous patient experience responses by questionnaire (fft or experience), optionally by authored date; keyset pages.");
    }

    /// <summary>The response as FHIR: no subject and no author (anonymous), the canonical with its version, authored as a day.</summary>
    internal static QuestionnaireResponse ToFhir(ExperienceResponse response, IEnumerable<ExperienceAnswer> answers)
    {
        var questionnaire = ExperienceQuestionnaires.Find(response.Questionnaire);
        var url = questionnaire?.Url ?? $"https://joinedup.example/fhir/Questionnaire/{response.Questionnaire}";
        var fhir = new QuestionnaireResponse
        {
            Id = $"experience-{response.Id.ToString(CultureInfo.InvariantCulture)}",
            Questionnaire = $"{url}|{response.QuestionnaireVersion}",
            Status = QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
            Authored = response.AuthoredDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        var byLink = answers.ToDictionary(a => a.LinkId, StringComparer.Ordinal);
        // In the questionnaire's order.
        foreach (var item in questionnaire?.Items ?? [])
        {
            if (!byLink.TryGetValue(item.LinkId, out var a)) continue;
            DataType value = a.Code is { } answerCode
                ? new Coding(ExperienceQuestionnaires.AnswerSystem, answerCode, item.Options.FirstOrDefault(o => o.Code == answerCode)?.Display)
                : new FhirString(a.Text);
            fhir.Item.Add(new QuestionnaireResponse.ItemComponent { LinkId = item.LinkId, Text = item.Text, Answer = [new() { Value = value }] });
        }
        return fhir;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refused() => TypedResults.Problem(new()
    {
        Status = 403, Title = "Not allowed",
        Detail = "You can see and issue experience links only for people whose record you have a full view of, and only while the invitation is open (not answered, not expired).",
    });
}
