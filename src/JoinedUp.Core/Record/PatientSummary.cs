using JoinedUp.Security;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Record;

/// <summary>One line of a record section. <see cref="Restricted"/> marks an entry only the recording team and the patient can see.</summary>
public sealed record RecordItem(string Kind, long Id, string Code, string? Display, string? Detail, DateOnly? Date, string? RecordedBy, bool Restricted);

/// <summary>
/// A patient's record as one caller may see it: built only from a <see cref="RecordView"/>, so the sensitive-record,
/// consent and triage rules apply to every section.
/// </summary>
public sealed record PatientSummary(
    long Id,
    string? NhsNumber,
    string LocalIdentifier,
    string GivenName,
    string FamilyName,
    DateOnly BirthDate,
    string Sex,
    string? Postcode,
    string? PracticeCode,
    string? PracticeName,
    string PreferredLanguage,
    bool InterpreterNeeded,
    bool SharingDissent,
    bool NationalOptOut,
    string AccessLevel,
    string AccessBasis,
    IReadOnlyList<RecordItem> Conditions,
    IReadOnlyList<RecordItem> Observations,
    IReadOnlyList<RecordItem> Medications,
    IReadOnlyList<RecordItem> Immunisations,
    IReadOnlyList<RecordItem> Encounters)
{
    /// <summary>How many recent observations and encounters the summary shows.</summary>
    public const int RecentLimit = 50;

    public static async Task<PatientSummary?> LoadAsync(JoinedUpDbContext db, RecordView view, CancellationToken ct)
    {
        if (!view.Allowed) throw new InvalidOperationException("A summary is built only for an allowed view.");
        var id = view.PatientId;
        var p = await db.Patients.AsNoTracking().Where(x => x.Id == id).Select(x => new
        {
            x.Id, x.NhsNumber, x.LocalIdentifier, x.GivenName, x.FamilyName, x.BirthDate, x.Sex, x.Postcode,
            PracticeCode = x.RegisteredPractice != null ? x.RegisteredPractice.OdsCode : null,
            PracticeName = x.RegisteredPractice != null ? x.RegisteredPractice.Name : null,
            x.PreferredLanguage, x.InterpreterNeeded, x.SharingDissent, x.NationalOptOut,
        }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (p is null) return null;
        var services = await db.Services.AsNoTracking().ToDictionaryAsync(s => s.Id, s => (s.Name, s.IsSensitive), ct).ConfigureAwait(false);
        string? By(int? serviceId) => serviceId is { } s && services.TryGetValue(s, out var v) ? v.Name : null;
        bool Restricted(int? serviceId, bool confidential) => confidential || (serviceId is { } s && services.TryGetValue(s, out var v) && v.IsSensitive);

        var conditionQuery = view.Level == Security.AccessLevel.Triage
            ? view.TriageConditions(db.Conditions.AsNoTracking()).Union(view.Visible(db.Conditions.AsNoTracking()))
            : view.Visible(db.Conditions.AsNoTracking());
        var conditions = (await conditionQuery.OrderByDescending(c => c.OnsetDate).ToListAsync(ct).ConfigureAwait(false))
            .Select(c => new RecordItem("condition", c.Id, c.Code, c.Display, c.Status.ToString(), c.OnsetDate, By(c.RecordedByServiceId), Restricted(c.RecordedByServiceId, c.Confidential))).ToList();
        var observations = (await view.Visible(db.Observations.AsNoTracking()).OrderByDescending(o => o.EffectiveAt).Take(RecentLimit).ToListAsync(ct).ConfigureAwait(false))
            .Select(o => new RecordItem("observation", o.Id, o.Code, o.Display, Value(o), DateOnly.FromDateTime(o.EffectiveAt), By(o.RecordedByServiceId), Restricted(o.RecordedByServiceId, o.Confidential))).ToList();
        var medications = (await view.Visible(db.MedicationStatements.AsNoTracking()).OrderByDescending(m => m.StartedOn).ToListAsync(ct).ConfigureAwait(false))
            .Select(m => new RecordItem("medication", m.Id, m.Code, m.Display, m.Dosage ?? m.Status.ToString(), m.StartedOn, By(m.RecordedByServiceId), Restricted(m.RecordedByServiceId, m.Confidential))).ToList();
        var immunisations = (await view.Visible(db.Immunisations.AsNoTracking()).OrderByDescending(i => i.OccurredOn).ToListAsync(ct).ConfigureAwait(false))
            .Select(i => new RecordItem("immunisation", i.Id, i.VaccineCode, i.Display, i.DoseNumber is { } d ? $"dose {d}" : null, i.OccurredOn, By(i.RecordedByServiceId), Restricted(i.RecordedByServiceId, i.Confidential))).ToList();
        var encounters = (await view.VisibleEncounters(db.Encounters.AsNoTracking()).OrderByDescending(e => e.StartAt).Take(RecentLimit).ToListAsync(ct).ConfigureAwait(false))
            .Select(e => new RecordItem("encounter", e.Id, e.TypeCode ?? "", e.Class.ToString(), By(e.ServiceId), DateOnly.FromDateTime(e.StartAt), By(e.RecordedByServiceId), Restricted(e.RecordedByServiceId, e.Confidential) || Restricted(e.ServiceId, false))).ToList();

        return new PatientSummary(p.Id, p.NhsNumber, p.LocalIdentifier, p.GivenName, p.FamilyName, p.BirthDate, p.Sex.ToString(), p.Postcode,
            p.PracticeCode, p.PracticeName, p.PreferredLanguage, p.InterpreterNeeded, p.SharingDissent, p.NationalOptOut,
            view.Level.ToString(), view.Basis, conditions, observations, medications, immunisations, encounters);
    }

    private static string? Value(Observation o) => o.Value is null
        ? null
        : o.SecondaryValue is { } second
            ? FormattableString.Invariant($"{o.Value:0.#}/{second:0.#} {o.Unit}").TrimEnd()
            : FormattableString.Invariant($"{o.Value:0.##} {o.Unit}").TrimEnd();
}
