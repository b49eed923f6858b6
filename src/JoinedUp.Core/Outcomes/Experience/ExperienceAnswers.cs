using System.Security.Cryptography;
using System.Text;
using JoinedUp.Access;
using JoinedUp.Security;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Outcomes.Experience;

/// <summary>An invitation still open, as the patient view or staff see it: the service and the day, never an answer.</summary>
public sealed record OpenInvitation(long Id, string Questionnaire, string ServiceName, DateTime ContactAt, DateTime ExpiresAt, bool HasLink);

/// <summary>What became of a submitted answer.</summary>
public enum AnswerOutcome
{
    Saved = 1,

    /// <summary>An answer is missing, too long or not one of the choices: <see cref="AnswerResult.Problems"/> say which.</summary>
    Invalid,

    /// <summary>No invitation has this link, or the caller may not answer it.</summary>
    Unknown,

    Expired,

    AlreadyAnswered,
}

public sealed record AnswerResult(AnswerOutcome Outcome, IReadOnlyList<ExperienceProblem> Problems)
{
    public static readonly AnswerResult Saved = new(AnswerOutcome.Saved, []);
}

/// <summary>The state of a public link, and what the page may show: the questionnaire and the service, nothing about the person.</summary>
public sealed record LinkState(AnswerOutcome State, string? Questionnaire, string? ServiceName, DateTime? ContactAt);

/// <summary>A link issued to staff: shown once, then only its hash is kept.</summary>
public sealed record IssuedLink(string Token, DateTime ExpiresAt);

/// <summary>
/// Answering experience invitations (docs/adr/0006, 5): in the patient view (the patient, 16 or over, or a carer with an
/// active proxy) or by a public link whose token is 128 random bits kept only as a SHA-256 hash, single use, expiring with
/// the invitation. One transaction marks the invitation answered (only if it was still open) and writes the response
/// with no patient id, no invitation id and dates as days; a second submit finds it answered and writes nothing.
/// </summary>
public sealed class ExperienceAnswerService(JoinedUpDbContext db, RecordAccessService access, TimeProvider clock)
{
    /// <summary>The lower-case hex SHA-256 of a link token, as stored.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>128 random bits, base64url without padding (22 characters).</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The open invitations the caller may answer for the person: their own from 16, or as a carer with an active proxy.</summary>
    public async Task<IReadOnlyList<OpenInvitation>> OpenForAsync(AccessPrincipal who, long patientId, CancellationToken ct)
    {
        if (!await MayAnswerForAsync(who, patientId, ct).ConfigureAwait(false)) return [];
        var now = clock.GetUtcNow().UtcDateTime;
        return await Open(db.ExperienceInvitations.AsNoTracking().Where(i => i.PatientId == patientId && i.AnsweredAt == null && i.ExpiresAt > now))
            .ToListAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Answers an invitation in the patient view.</summary>
    public async Task<AnswerResult> AnswerInViewAsync(AccessPrincipal who, long invitationId, IReadOnlyDictionary<string, string?> answers, CancellationToken ct)
    {
        var patientId = await db.ExperienceInvitations.AsNoTracking().Where(i => i.Id == invitationId).Select(i => (long?)i.PatientId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (patientId is null || !await MayAnswerForAsync(who, patientId.Value, ct).ConfigureAwait(false)) return new(AnswerOutcome.Unknown, []);
        return await AnswerAsync(invitationId, answers, ExperienceChannel.PatientView, ct).ConfigureAwait(false);
    }

    /// <summary>What a public link opens: open, expired, answered, or unknown (which says nothing more).</summary>
    public async Task<LinkState> FindLinkAsync(string? token, CancellationToken ct)
    {
        var row = await ByToken(token).Select(i => new { i.Questionnaire, i.ServiceId, i.ContactAt, i.ExpiresAt, i.AnsweredAt }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (row is null) return new(AnswerOutcome.Unknown, null, null, null);
        if (row.AnsweredAt is not null) return new(AnswerOutcome.AlreadyAnswered, null, null, null);
        if (row.ExpiresAt <= clock.GetUtcNow().UtcDateTime) return new(AnswerOutcome.Expired, null, null, null);
        var service = await db.Services.AsNoTracking().Where(s => s.Id == row.ServiceId).Select(s => s.Name).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return new(AnswerOutcome.Saved, row.Questionnaire, service ?? "our service", row.ContactAt);
    }

    /// <summary>Answers by a public link.</summary>
    public async Task<AnswerResult> AnswerByLinkAsync(string? token, IReadOnlyDictionary<string, string?> answers, CancellationToken ct)
    {
        var id = await ByToken(token).Select(i => (long?)i.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return id is null ? new(AnswerOutcome.Unknown, []) : await AnswerAsync(id.Value, answers, ExperienceChannel.Link, ct).ConfigureAwait(false);
    }

    /// <summary>The person's open invitations, for staff with a full view of their record (audited).</summary>
    public async Task<IReadOnlyList<OpenInvitation>?> ForStaffAsync(AccessPrincipal staff, long patientId, CancellationToken ct)
    {
        var opened = await access.OpenAsync(staff, patientId, "experience.list", $"Patient/{patientId}/experience-invitations", ct).ConfigureAwait(false);
        if (opened.View is not { Level: AccessLevel.Full, Emergency: false }) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        return await Open(db.ExperienceInvitations.AsNoTracking().Where(i => i.PatientId == patientId && i.AnsweredAt == null && i.ExpiresAt > now)).ToListAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Issues a fresh link for an open invitation, for staff with a full view of the person's record to print or read out.
    /// The token is returned once; any earlier link stops working. Null when refused, not found, answered or expired.
    /// </summary>
    public async Task<IssuedLink?> IssueLinkAsync(AccessPrincipal staff, long invitationId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var invitation = await db.ExperienceInvitations.FirstOrDefaultAsync(i => i.Id == invitationId, ct).ConfigureAwait(false);
        if (invitation is null) return null;
        var opened = await access.OpenAsync(staff, invitation.PatientId, "experience.link", $"ExperienceInvitation/{invitationId}", ct).ConfigureAwait(false);
        if (opened.View is not { Level: AccessLevel.Full, Emergency: false } || invitation.AnsweredAt is not null || invitation.ExpiresAt <= now) return null;
        var token = NewToken();
        invitation.TokenHash = HashToken(token);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return new IssuedLink(token, DateTime.SpecifyKind(invitation.ExpiresAt, DateTimeKind.Utc));
    }

    private IQueryable<ExperienceInvitation> ByToken(string? token) =>
        token is { Length: >= 16 and <= 64 } ? db.ExperienceInvitations.AsNoTracking().Where(i => i.TokenHash == HashToken(token)) : db.ExperienceInvitations.Where(_ => false);

    private IQueryable<OpenInvitation> Open(IQueryable<ExperienceInvitation> invitations) =>
        invitations.OrderBy(i => i.ContactAt).ThenBy(i => i.Id)
            .Select(i => new OpenInvitation(i.Id, i.Questionnaire, db.Services.Where(s => s.Id == i.ServiceId).Select(s => s.Name).FirstOrDefault() ?? "our service", i.ContactAt, i.ExpiresAt, i.TokenHash != null));

    private async Task<bool> MayAnswerForAsync(AccessPrincipal who, long patientId, CancellationToken ct)
    {
        if (!PermissionMatrix.Allows(who.Roles, Permission.ExperienceRespond)) return false;
        if (who.Has(Roles.Patient) && who.PatientId == patientId)
        {
            var born = await db.Patients.AsNoTracking().Where(p => p.Id == patientId).Select(p => (DateOnly?)p.BirthDate).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            if (born is { } b && UkClock.AgeYears(b, clock.GetUtcNow().UtcDateTime) >= ExperienceInvitationService.ChildUnder) return true;
        }
        var userId = who.UserId;
        return who.Has(Roles.Carer) && await db.CarerProxies.AsNoTracking().AnyAsync(x => x.PatientId == patientId && x.CarerUserId == userId && x.WithdrawnAt == null, ct).ConfigureAwait(false);
    }

    private async Task<AnswerResult> AnswerAsync(long invitationId, IReadOnlyDictionary<string, string?> submitted, ExperienceChannel channel, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var invitation = await db.ExperienceInvitations.AsNoTracking().Where(i => i.Id == invitationId)
            .Select(i => new { i.Questionnaire, i.ServiceId, i.PracticeId, i.ContactAt, i.ExpiresAt, i.AnsweredAt }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (invitation is null) return new(AnswerOutcome.Unknown, []);
        if (invitation.AnsweredAt is not null) return new(AnswerOutcome.AlreadyAnswered, []);
        if (invitation.ExpiresAt <= now) return new(AnswerOutcome.Expired, []);
        var questionnaire = ExperienceQuestionnaires.Find(invitation.Questionnaire) ?? throw new InvalidOperationException($"Invitation {invitationId} names an unknown questionnaire.");
        var (answers, problems) = ExperienceQuestionnaires.Check(questionnaire, submitted);
        if (problems.Count > 0) return new(AnswerOutcome.Invalid, problems);

        var today = DateOnly.FromDateTime(UkClock.ToLocal(now));
        var network = await db.Organisations.AsNoTracking().Where(o => o.Id == invitation.PracticeId).Select(o => o.NetworkId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        // Only an open invitation is taken: of two submits racing, one updates the row and the other finds it answered.
        var answeredDay = today.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var taken = await db.ExperienceInvitations.Where(i => i.Id == invitationId && i.AnsweredAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.AnsweredAt, answeredDay), ct).ConfigureAwait(false);
        if (taken == 0)
        {
            await tx.RollbackAsync(ct).ConfigureAwait(false);
            return new(AnswerOutcome.AlreadyAnswered, []);
        }
        var response = new ExperienceResponse
        {
            Questionnaire = questionnaire.Id, QuestionnaireVersion = questionnaire.Version, ServiceId = invitation.ServiceId, PracticeId = invitation.PracticeId,
            NetworkId = network, ContactDate = DateOnly.FromDateTime(UkClock.ToLocal(invitation.ContactAt)), AuthoredDate = today, Channel = channel,
        };
        db.ExperienceResponses.Add(response);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        foreach (var a in answers) a.ResponseId = response.Id;
        db.ExperienceAnswers.AddRange(answers);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        db.ChangeTracker.Clear();
        return AnswerResult.Saved;
    }
}
