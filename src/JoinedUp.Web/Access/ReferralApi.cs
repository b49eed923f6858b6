using JoinedUp.Access;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace JoinedUp.Web.Access;

/// <summary>What the referrer gets back: the reference to quote and where to follow the referral.</summary>
public sealed record ReferralReceipt(string Reference, string Status, string Urgency, DateTime ReceivedAt, string? LinkedTo, string? Message, string StatusUrl, bool Matched);

public sealed record TriageRequest(List<string>? Services, string? Urgency, string? OverrideReason, string? Note, Dictionary<string, string?>? Answers, int? Version);

public sealed record DeclineRequest(string? Reason, int? Version);

public sealed record MatchRequest(string? NhsNumber);

public sealed record RouteDeclineRequest(string? Reason);

public sealed record RulesRequest(string? Json, string? Note);

/// <summary>The triage page's data over JSON: the referral, what the rules suggest and why, and what the episode already knows.</summary>
public sealed record TriageDto(string Reference, string Status, int Version, string Source, string Reason, string? RequestedService, string Urgency, bool Matched,
    object? Patient, object? Suggestion, IReadOnlyList<RouteView> Routes, object? HolisticAssessment, IReadOnlyList<LinkedReferral> Linked, string Clock, int AssessmentsThisEpisode);

/// <summary>
/// The single point of access over REST: referral intake (idempotent with an Idempotency-Key header), the status a
/// referrer or patient follows, the coordinator's worklist and triage, the receiving team's accept/decline/first
/// contact, and the triage rules. Every handler's permission is checked by the gate before it runs.
/// </summary>
internal static class ReferralApi
{
    public static void MapReferralApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/referrals").WithTags("Access");

        group.MapPost("/", async Task<IResult> (ReferralRequest? request, [FromHeader(Name = "Idempotency-Key")] string? key, HttpContext http, ReferralIntake intake, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                if (request is null) return Problem(400, "No referral", "Send the referral as JSON in the request body.");
                var result = await intake.SubmitAsync(who, request, string.IsNullOrWhiteSpace(key) ? null : key.Trim(), ct).ConfigureAwait(false);
                return ToResult(result);
            })
            .RequirePermission(Permission.ReferralCreate)
            .WithName("CreateReferral")
            .WithSummary("Refer a person. Send an Idempotency-Key header so that a retry returns the first referral (200) instead of making another. A second open referral for the same person and service is linked to the first (201, linkedTo set).");

        group.MapGet("/{reference}", async Task<IResult> (string reference, HttpContext http, ReferralQueries queries, CancellationToken ct) =>
            {
                var view = await queries.StatusAsync(http.RequiredCaller(), reference.Trim().ToUpperInvariant(), ct).ConfigureAwait(false);
                return view is null ? NotFound(reference) : TypedResults.Ok(view);
            })
            .RequirePermission(Permission.ReferralRead)
            .WithName("GetReferralStatus").WithSummary("Where a referral is: for its referrer, the patient, the single point of access, or a team it was sent to.");

        group.MapGet("/worklist", async (HttpContext http, ReferralQueries queries, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await queries.WorklistAsync(http.RequiredCaller(), Math.Clamp(limit ?? 200, 1, 1000), ct).ConfigureAwait(false)))
            .RequirePermission(Permission.ReferralTriage)
            .WithName("GetWorklist").WithSummary("The single point of access worklist: referrals to triage and those waiting for first contact, breached first, then by urgency and time left.");

        group.MapGet("/{reference}/triage", async Task<IResult> (string reference, HttpContext http, ReferralTriage triage, CancellationToken ct) =>
            {
                var view = await triage.LoadAsync(http.RequiredCaller(), reference.Trim().ToUpperInvariant(), ct).ConfigureAwait(false);
                return view is null ? NotFound(reference) : TypedResults.Ok(ToDto(view));
            })
            .RequirePermission(Permission.ReferralTriage)
            .WithName("GetTriage").WithSummary("A referral with the triage rules' suggestion and its reasons, the checks of every candidate service, and the episode's holistic assessment if there is one.");

        group.MapPost("/{reference}/triage", async Task<IResult> (string reference, TriageRequest? body, HttpContext http, ReferralTriage triage, CancellationToken ct) =>
            {
                if (body is null) return Problem(400, "No decision", "Send the triage decision as JSON: services, urgency, version, answers, and overrideReason when you change the suggestion.");
                var urgency = ReferralIntake.ParseUrgency(body.Urgency);
                if (urgency is null) return Validation(new IntakeProblem("urgency", "urgency must be routine, within-2-days or within-2-hours."));
                if (body.Version is null) return Validation(new IntakeProblem("version", "Send the version you triaged (from GET .../triage), so that two coordinators never overwrite each other."));
                var decision = new TriageDecision(body.Services ?? [], urgency.Value, body.OverrideReason, body.Note, body.Answers ?? [], body.Version.Value);
                return ToResult(await triage.DecideAsync(http.RequiredCaller(), reference.Trim().ToUpperInvariant(), decision, ct).ConfigureAwait(false), reference);
            })
            .RequirePermission(Permission.ReferralTriage)
            .WithName("TriageReferral").WithSummary("Route a referral to one or more services with one holistic assessment for the episode. Changing the suggestion needs overrideReason.");

        group.MapGet("/{reference}/attachments/{id:long}", async Task<IResult> (string reference, long id, HttpContext http, ReferralTriage triage, CancellationToken ct) =>
            {
                var attachment = await triage.AttachmentAsync(http.RequiredCaller(), reference.Trim().ToUpperInvariant(), id, ct).ConfigureAwait(false);
                // Served as a download, never rendered in JoinedUp's own origin.
                return attachment is null ? Problem(404, "Not found", "That referral has no such document.") : TypedResults.File(attachment.Content, attachment.ContentType, attachment.FileName);
            })
            .RequirePermission(Permission.ReferralTriage)
            .WithName("GetReferralAttachment").WithSummary("A document sent with a referral (the public form's letter), as a download.");

        group.MapPost("/{reference}/decline", async Task<IResult> (string reference, DeclineRequest? body, HttpContext http, ReferralTriage triage, CancellationToken ct) =>
                ToResult(await triage.DeclineAsync(http.RequiredCaller(), reference.Trim().ToUpperInvariant(), body?.Reason, body?.Version ?? -1, ct).ConfigureAwait(false), reference))
            .RequirePermission(Permission.ReferralTriage)
            .WithName("DeclineReferral").WithSummary("No service can take the person: give the reason and where they were signposted.");

        group.MapPost("/{reference}/match", async Task<IResult> (string reference, MatchRequest? body, HttpContext http, ReferralTriage triage, CancellationToken ct) =>
                ToResult(await triage.MatchAsync(http.RequiredCaller(), reference.Trim().ToUpperInvariant(), body?.NhsNumber, ct).ConfigureAwait(false), reference))
            .RequirePermission(Permission.ReferralTriage)
            .WithName("MatchReferral").WithSummary("Match a self-referral to a record: the NHS number must belong to a record with the date of birth the person gave.");

        group.MapGet("/team", async (HttpContext http, ReferralQueries queries, CancellationToken ct) =>
                TypedResults.Ok(await queries.TeamReferralsAsync(http.RequiredCaller(), ct).ConfigureAwait(false)))
            .RequirePermission(Permission.ReferralAccept)
            .WithName("GetTeamReferrals").WithSummary("Referrals routed to the caller's teams, waiting to be accepted or for first contact.");

        group.MapPost("/routes/{id:long}/accept", async Task<IResult> (long id, HttpContext http, ReferralQueries queries, CancellationToken ct) =>
                ToResult(await queries.AcceptAsync(http.RequiredCaller(), id, ct).ConfigureAwait(false)))
            .RequirePermission(Permission.ReferralAccept).WithName("AcceptRoute").WithSummary("Take the person onto the team's caseload.");
        group.MapPost("/routes/{id:long}/decline", async Task<IResult> (long id, RouteDeclineRequest? body, HttpContext http, ReferralQueries queries, CancellationToken ct) =>
                ToResult(await queries.DeclineAsync(http.RequiredCaller(), id, body?.Reason, ct).ConfigureAwait(false)))
            .RequirePermission(Permission.ReferralAccept).WithName("DeclineRoute").WithSummary("The team cannot take the person on; with no service left the referral returns to the single point of access.");
        group.MapPost("/routes/{id:long}/first-contact", async Task<IResult> (long id, HttpContext http, ReferralQueries queries, CancellationToken ct) =>
                ToResult(await queries.FirstContactAsync(http.RequiredCaller(), id, ct).ConfigureAwait(false)))
            .RequirePermission(Permission.ReferralAccept).WithName("RecordFirstContact").WithSummary("Stop the first-contact clock.");

        app.MapGet("/api/access/holistic-assessment", () => Results.Text(HolisticAssessment.QuestionnaireJson, JoinedUp.Fhir.FhirJson.ContentType))
            .AllowAnonymous().WithTags("Access").WithName("GetHolisticAssessment").WithSummary("The holistic assessment questionnaire (FHIR Questionnaire).");

        var rules = app.MapGroup("/api/triage-rules").WithTags("Access");
        rules.MapGet("/", async (TriageRulesStore store, CancellationToken ct) => TypedResults.Ok(await store.VersionsAsync(ct).ConfigureAwait(false)))
            .RequirePermission(Permission.TriageRulesManage).WithName("ListTriageRuleVersions").WithSummary("Every version of the triage rules, newest first.");
        rules.MapPost("/", async Task<IResult> (RulesRequest? body, HttpContext http, TriageRulesStore store, CancellationToken ct) =>
            {
                var (version, problems) = await store.SaveAsync(http.RequiredCaller(), body?.Json, body?.Note, ct).ConfigureAwait(false);
                return version is null
                    ? TypedResults.Problem(new ProblemDetails { Status = 422, Title = "The rules were not saved", Detail = string.Join(" ", problems), Extensions = { ["problems"] = problems } })
                    : TypedResults.Created($"/api/triage-rules/{version.Id}", new { version = version.Id, version.CreatedAt, version.CreatedByName, version.Note });
            })
            .RequirePermission(Permission.TriageRulesManage).WithName("SaveTriageRules").WithSummary("Save a new version of the triage rules; refused with every problem listed when they do not validate.");
    }

    internal static IResult ToResult(IntakeResult result)
    {
        switch (result.Outcome)
        {
            case IntakeOutcome.Created or IntakeOutcome.Linked:
                var receipt = Receipt(result.Referral!, result.LinkedReference);
                return TypedResults.Created(receipt.StatusUrl, receipt);
            case IntakeOutcome.Replayed:
                return TypedResults.Ok(Receipt(result.Referral!, null));
            case IntakeOutcome.Refused:
                return Problem(403, "You cannot refer this person", result.Problems[0].Message);
            default:
                return Validation([.. result.Problems]);
        }
    }

    internal static ReferralReceipt Receipt(Referral r, string? linkedTo) => new(r.Reference, r.Status.ToString(), ReferralIntake.UrgencyCode(r.Urgency), r.ReceivedAt, linkedTo,
        linkedTo is null ? null : $"{r.GivenName} {r.FamilyName} already has an open referral for this service ({linkedTo}). This one is linked to it and the single point of access coordinator is told.",
        $"/api/referrals/{r.Reference}", r.PatientId is not null);

    private static IResult ToResult(TriageResult result, string reference) => result.Outcome switch
    {
        TriageOutcome.Done => TypedResults.Ok(new { reference = result.Referral!.Reference, status = result.Referral.Status.ToString(), version = result.Referral.VersionId }),
        TriageOutcome.NotFound => NotFound(reference),
        TriageOutcome.Conflict => Problem(409, "Changed by someone else", result.Problems[0].Message),
        _ => Validation([.. result.Problems]),
    };

    private static IResult ToResult(RouteActionResult result) => result.Outcome switch
    {
        RouteActionOutcome.Done => TypedResults.NoContent(),
        RouteActionOutcome.NotFound => Problem(404, "Not found", "No referral with that route was sent to your team."),
        RouteActionOutcome.Conflict => Problem(409, "Already done", result.Problem!),
        _ => Problem(422, "Not recorded", result.Problem!),
    };

    internal static IResult Validation(params IntakeProblem[] problems) => TypedResults.Problem(new ProblemDetails
    {
        Status = 422,
        Title = "The referral needs correcting",
        Detail = string.Join(" ", problems.Select(p => p.Message)),
        Extensions = { ["errors"] = problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()) },
    });

    private static ProblemHttpResult NotFound(string reference) => Problem(404, "Referral not found", $"No referral {reference} that you can see. Check the reference (R- and 8 characters).");

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail: detail, statusCode: status, title: title);

    private static TriageDto ToDto(TriageView v) => new(
        v.Referral.Reference, v.Referral.Status.ToString(), v.Referral.VersionId, ReferralIntake.SourceCode(v.Referral.Source), v.Referral.Reason, v.RequestedServiceName,
        ReferralIntake.UrgencyCode(v.Referral.Urgency), v.Patient is not null,
        v.Patient is null ? new { v.Referral.GivenName, v.Referral.FamilyName, v.Referral.BirthDate, v.Referral.Postcode, v.Referral.NhsNumber }
            : new { v.Patient.Id, v.Patient.NhsNumber, v.Patient.GivenName, v.Patient.FamilyName, v.Patient.BirthDate, v.Patient.AgeYears, v.Patient.PracticeCode, v.Patient.PreferredLanguage,
                Conditions = v.Patient.ActiveConditions.Select(c => new { c.Code, c.Display }), v.Patient.AccessBasis },
        v.Suggestion is null ? null : new
        {
            v.Suggestion.RuleSetVersion, Urgency = ReferralIntake.UrgencyCode(v.Suggestion.Urgency), v.Suggestion.UrgencyReason, v.Suggestion.Routes, v.Suggestion.Checks,
            v.Suggestion.Bookings, v.Suggestion.OutOfHours, v.Suggestion.Notes,
        },
        v.Routes,
        v.Holistic is null ? null : new { v.Holistic.Id, v.Holistic.AuthoredAt, v.Holistic.AuthorName, Answers = v.Holistic.Answers.Select(a => new { a.Question, a.Answer }) },
        v.Linked, v.Clock.Describe(), v.AssessmentsThisEpisode);
}
