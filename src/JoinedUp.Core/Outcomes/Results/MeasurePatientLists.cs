using System.Globalization;
using System.Text;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Measures.Sql;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Outcomes.Results;

/// <summary>Which people of a cell a list shows (the measure's populations as the rates use them).</summary>
public enum ListPopulation
{
    /// <summary>Everyone in the denominator (excluded and excepted people included).</summary>
    Denominator,

    /// <summary>In the numerator: in the denominator, not excluded, and meeting the numerator (a ratio: counted at least once).</summary>
    Numerator,

    /// <summary>The people to recall: in the denominator, not excluded or excepted, not in the numerator.</summary>
    NotNumerator,

    /// <summary>In the denominator and excluded.</summary>
    Excluded,

    /// <summary>In the denominator, not excluded, not in the numerator, and excepted.</summary>
    Excepted,
}

/// <summary>One cell of a measure for a quarter and the population to list: what a list request asks for.</summary>
public sealed record PatientListRequest(string MeasureId, FinancialQuarter Quarter, MeasureLevel Level, string Unit, ListPopulation Population)
{
    /// <summary>The population as it is written in addresses (<c>not-numerator</c>).</summary>
    public static string Name(ListPopulation population) => population switch
    {
        ListPopulation.Denominator => "denominator",
        ListPopulation.Numerator => "numerator",
        ListPopulation.NotNumerator => "not-numerator",
        ListPopulation.Excluded => "excluded",
        _ => "excepted",
    };

    /// <summary>The population in words, for headings ("not in the numerator (the people to recall)").</summary>
    public static string Describe(ListPopulation population) => population switch
    {
        ListPopulation.Denominator => "in the denominator",
        ListPopulation.Numerator => "in the numerator",
        ListPopulation.NotNumerator => "in the denominator but not the numerator (the people to recall)",
        ListPopulation.Excluded => "excluded from the denominator",
        _ => "excepted from the denominator",
    };

    /// <summary>The level as it is written in addresses (<c>practice</c>).</summary>
    public static string Name(MeasureLevel level) => level.ToString().ToLowerInvariant();

    /// <summary>The query string of this cell (<c>quarter=2026-27-Q1&amp;level=practice&amp;unit=A81001&amp;population=not-numerator</c>).</summary>
    public string Query => string.Create(CultureInfo.InvariantCulture,
        $"quarter={Quarter.StartYear}-{(Quarter.StartYear + 1) % 100:00}-Q{Quarter.Number}&level={Name(Level)}&unit={Uri.EscapeDataString(Unit)}&population={Name(Population)}");

    /// <summary>
    /// Reads a request from its parts as they arrive in an address. Every problem is reported (what to fix), not only the
    /// first. The measure must exist and report at the level; a borough cell may leave the unit out.
    /// </summary>
    public static bool TryParse(MeasureDefinition measure, string? quarter, string? level, string? unit, string? population,
        out PatientListRequest request, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(measure);
        var found = new List<string>();
        request = new PatientListRequest(measure.Id, new FinancialQuarter(0, 0), MeasureLevel.Borough, MeasureEvaluator.Borough, ListPopulation.NotNumerator);
        var levels = string.Join(", ", measure.Levels.Select(Name));
        FinancialQuarter q = new(0, 0);
        if (string.IsNullOrWhiteSpace(quarter)) found.Add("Give the quarter, e.g. quarter=2026-27-Q1.");
        else if (!FinancialQuarter.TryParse(quarter, out q, out var error)) found.Add(error + ".");
        var l = MeasureLevel.Borough;
        if (string.IsNullOrWhiteSpace(level)) found.Add($"Give the level: one of {levels}.");
        else if (!Enum.TryParse(level.Trim(), true, out l) || !Enum.IsDefined(l) || int.TryParse(level, CultureInfo.InvariantCulture, out _))
        {
            found.Add($"'{level}' is not a level; use one of {levels}.");
        }
        else if (!measure.Levels.Contains(l)) found.Add($"{measure.Id} is not reported by {Name(l)}; use one of {levels}.");
        var u = (unit ?? "").Trim();
        if (l == MeasureLevel.Borough && u.Length == 0) u = MeasureEvaluator.Borough;
        else if (l == MeasureLevel.Borough && !string.Equals(u, MeasureEvaluator.Borough, StringComparison.OrdinalIgnoreCase)) found.Add("A borough cell's unit is 'borough' (or leave it out).");
        else if (u.Length == 0) found.Add($"Give the unit: the {Name(l)} code, as the results table shows it.");
        else if (u.Length > 64) found.Add("The unit is a code of at most 64 characters.");
        if (l == MeasureLevel.Borough) u = MeasureEvaluator.Borough;
        ListPopulation? p = (population ?? "").Trim().ToLowerInvariant() switch
        {
            "denominator" => ListPopulation.Denominator,
            "numerator" => ListPopulation.Numerator,
            "not-numerator" => ListPopulation.NotNumerator,
            "excluded" => ListPopulation.Excluded,
            "excepted" => ListPopulation.Excepted,
            _ => null,
        };
        if (p is null) found.Add($"{(string.IsNullOrWhiteSpace(population) ? "Give the population" : $"'{population}' is not a population")}: one of denominator, numerator, not-numerator, excluded, excepted.");
        problems = found;
        if (found.Count > 0) return false;
        request = new PatientListRequest(measure.Id, q, l, u, p!.Value);
        return true;
    }
}

/// <summary>One row of a list: a subject of the measure (a person, or one of their referrals, episodes or tasks) and who they are.</summary>
public sealed record PatientListRow(long SubjectId, long PatientId, string GivenName, string FamilyName, string? NhsNumber, DateOnly BirthDate, string? PracticeCode, string? Subject, bool NationalOptOut);

/// <summary>
/// The people behind one cell for the caller: the rows they may see (one page of them), how many subjects the cell's
/// population holds, and how many the caller may not see and why. Live: evaluated on the record as it stands now.
/// </summary>
public sealed record MeasurePatientList(
    MeasureDefinition Measure, PatientListRequest Request, MeasurePeriod Period, int InPopulation, int Visible, int NotShown, string? NotShownReason,
    IReadOnlyList<PatientListRow> Rows, string? Next, DateTime EvaluatedAt);

/// <summary>Why a list is not given: the status to answer with and a message a person can act on.</summary>
public sealed record PatientListRefusal(int Status, string Title, string Message);

/// <summary>A list, or why not.</summary>
public sealed record PatientListResult(MeasurePatientList? List, PatientListRefusal? Refusal);

/// <summary>A patient-level export of a list: the CSV text and how many opted-out people it leaves out.</summary>
public sealed record PatientListExport(MeasurePatientList List, string Csv, int OptedOutLeftOut);

/// <summary>
/// The people behind a figure (docs/adr/0006 4.4): one cell (measure, quarter, level and unit) in one population, as a
/// live evaluation of the measure for the quarter's period (stored runs keep counts only). Scope follows the record
/// rules (<see cref="RecordAccessService.WithFullView"/>): a cell the caller can have nobody in is refused with the
/// reason; inside a cell, people the caller may not see are counted, not listed. Each view is audited once with the
/// cell, the population and how many were listed. Patient-level exports leave out national data opt-outs.
/// Experience measures are anonymous and have no list.
/// </summary>
public sealed class MeasurePatientLists(JoinedUpDbContext db, StorageOptions storage, MeasureLibrary library, RecordAccessService access, TimeProvider clock)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    private static readonly string Action = PermissionMatrix.Name(Permission.OutcomesPatientList);

    /// <summary>One page of the list (ordered by family name, given name, subject), audited once.</summary>
    public async Task<PatientListResult> ListAsync(AccessPrincipal who, PatientListRequest request, long? after, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(who);
        ArgumentNullException.ThrowIfNull(request);
        if (limit is < 1 or > MaxLimit)
        {
            return Refused(new PatientListRefusal(422, "Bad limit", $"Ask for between 1 and {MaxLimit} people a page (limit)."));
        }
        var (list, refusal) = await BuildAsync(who, request, ct).ConfigureAwait(false);
        if (refusal is not null)
        {
            await AuditRefusalAsync(who, request, refusal, ct).ConfigureAwait(false);
            return Refused(refusal);
        }
        var rows = list!.Rows;
        var start = 0;
        if (after is { } cursor)
        {
            var at = rows.ToList().FindIndex(r => r.SubjectId == cursor);
            if (at < 0)
            {
                return Refused(new PatientListRefusal(422, "Bad cursor",
                    "The 'after' value is not a subject of this list (the record may have changed since): use the 'next' value of the previous page as it is, or leave it out to start from the top."));
            }
            start = at + 1;
        }
        var page = rows.Skip(start).Take(limit).ToList();
        var next = start + page.Count < rows.Count ? page[^1].SubjectId.ToString(CultureInfo.InvariantCulture) : null;
        page = await WithSubjectsAsync(list.Measure, page, ct).ConfigureAwait(false);
        await access.AuditAsync(who, AuditOutcome.Allowed, Action, Resource(request), null, $"measure patient list: {PatientListRequest.Name(request.Population)}",
            string.Create(CultureInfo.InvariantCulture, $"{page.Count} listed ({list.Visible} in your scope of {list.InPopulation} in the population; {list.NotShown} not shown); period {list.Period.Start:yyyy-MM-dd} to {list.Period.End:yyyy-MM-dd}, live"), ct).ConfigureAwait(false);
        return new PatientListResult(list with { Rows = page, Next = next }, null);
    }

    /// <summary>
    /// The whole list as CSV for use outside the record (a patient-level export): people with a national data opt-out
    /// are left out, and a comment line at the top says how many. Audited once with the number exported.
    /// </summary>
    public async Task<(PatientListExport? Export, PatientListRefusal? Refusal)> ExportAsync(AccessPrincipal who, PatientListRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(who);
        ArgumentNullException.ThrowIfNull(request);
        var (list, refusal) = await BuildAsync(who, request, ct).ConfigureAwait(false);
        if (refusal is not null)
        {
            await AuditRefusalAsync(who, request, refusal, ct).ConfigureAwait(false);
            return (null, refusal);
        }
        var kept = list!.Rows.Where(r => !r.NationalOptOut).ToList();
        var optedOut = list.Rows.Count - kept.Count;
        kept = await WithSubjectsAsync(list.Measure, kept, ct).ConfigureAwait(false);
        var csv = new StringBuilder();
        csv.Append(CultureInfo.InvariantCulture, $"# {list.Measure.Id} {list.Request.Quarter.Label}, {PatientListRequest.Name(request.Level)} {request.Unit}, {PatientListRequest.Name(request.Population)}; period {list.Period.Start:yyyy-MM-dd} to {list.Period.End:yyyy-MM-dd}; evaluated live {list.EvaluatedAt:yyyy-MM-dd HH:mm} UTC\r\n");
        csv.Append(CultureInfo.InvariantCulture, $"# {optedOut} people with a national data opt-out are left out of this export (they stay on the list for direct care); {list.NotShown} people outside your record access are not included\r\n");
        csv.Append("subject_id,patient_id,nhs_number,family_name,given_name,birth_date,practice,subject\r\n");
        foreach (var r in kept)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{r.SubjectId},{r.PatientId},{Csv(r.NhsNumber)},{Csv(r.FamilyName)},{Csv(r.GivenName)},{r.BirthDate:yyyy-MM-dd},{Csv(r.PracticeCode)},{Csv(r.Subject)}\r\n");
        }
        await access.AuditAsync(who, AuditOutcome.Allowed, Action, Resource(request) + "&format=csv", null, $"measure patient list export: {PatientListRequest.Name(request.Population)}",
            string.Create(CultureInfo.InvariantCulture, $"{kept.Count} exported; {optedOut} national data opt-outs left out; {list.NotShown} not in your scope"), ct).ConfigureAwait(false);
        return (new PatientListExport(list with { Rows = kept, Next = null }, csv.ToString(), optedOut), null);
    }

    /// <summary>Why a measure has no list at all (experience measures count anonymous answers), or null.</summary>
    public static string? NoListReason(MeasureDefinition measure)
    {
        ArgumentNullException.ThrowIfNull(measure);
        return measure.Subject.Type == SubjectType.Experience
            ? $"{measure.Id} counts anonymous experience answers: they are kept apart from people, so there is nobody to list (docs/adr/0006 section 5)."
            : null;
    }

    /// <summary>Why the caller may have nobody in this cell, or null when the cell is in their scope (people in it are then filtered one by one).</summary>
    public async Task<string?> OutOfScopeAsync(AccessPrincipal who, MeasureLevel level, string unit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(who);
        var reasons = new List<string>();
        var practiceRole = who.Has(Roles.PracticeStaff) || who.Has(Roles.NetworkLead);
        var teamRole = who.Has(Roles.Clinician) || who.Has(Roles.SpaCoordinator) || who.Has(Roles.CareNavigator);
        if (!practiceRole && !teamRole)
        {
            return who.Has(Roles.Commissioner)
                ? "Commissioners see counts only: the people behind a figure are listed for direct care, within the record rules (docs/adr/0006 4.4)."
                : "Your role does not list people behind a figure.";
        }
        if (practiceRole)
        {
            var own = who.OrganisationCode;
            if (own is null) reasons.Add("your account is not linked to a practice");
            else if (level == MeasureLevel.Practice && !string.Equals(unit, own, StringComparison.Ordinal))
            {
                reasons.Add($"you may list only the patients of your own practice ({own}); {unit} is shown as counts only");
            }
            else if (level == MeasureLevel.Network)
            {
                var network = await db.Organisations.AsNoTracking().Where(o => o.OdsCode == own).Select(o => o.NetworkId == null ? null : db.Networks.Where(n => n.Id == o.NetworkId).Select(n => n.Code).FirstOrDefault())
                    .FirstOrDefaultAsync(ct).ConfigureAwait(false);
                if (!string.Equals(network, unit, StringComparison.Ordinal))
                {
                    reasons.Add($"your practice ({own}) is {(network is null ? "in no network" : $"in network {network}")}, not {unit}");
                }
                else return null;
            }
            else return null;
        }
        if (teamRole)
        {
            var teams = who.TeamIds.ToList();
            if (teams.Count == 0 && who.StaffMemberId is null) reasons.Add("you are not a member of a team, so nobody is on your caseload");
            else if (level == MeasureLevel.Service)
            {
                var services = await db.Teams.AsNoTracking().Where(t => teams.Contains(t.Id)).Join(db.Services, t => t.ServiceId, s => s.Id, (t, s) => s.Code)
                    .Distinct().ToListAsync(ct).ConfigureAwait(false);
                if (!services.Contains(unit, StringComparer.Ordinal))
                {
                    reasons.Add(services.Count == 0 ? "your teams belong to no service"
                        : $"you may list a service's people only for your own teams' services ({string.Join(", ", services.Order(StringComparer.Ordinal))})");
                }
                else return null;
            }
            else return null;
        }
        var text = string.Join("; and ", reasons);
        return char.ToUpperInvariant(text[0]) + text[1..] + ".";
    }

    private async Task<(MeasurePatientList? List, PatientListRefusal? Refusal)> BuildAsync(AccessPrincipal who, PatientListRequest request, CancellationToken ct)
    {
        if (!who.Can(Permission.OutcomesPatientList))
        {
            return (null, new PatientListRefusal(403, "Not allowed", who.Has(Roles.Commissioner)
                ? "Commissioners see counts only: the people behind a figure are listed for direct care, within the record rules (docs/adr/0006 4.4)."
                : $"Listing the people behind a figure needs {Action}."));
        }
        var measure = library.Find(request.MeasureId);
        if (measure is null) return (null, new PatientListRefusal(404, "No such measure", $"There is no measure '{request.MeasureId}'; /outcomes lists them."));
        if (NoListReason(measure) is { } none) return (null, new PatientListRefusal(422, "No list for experience measures", none));
        if (!measure.Levels.Contains(request.Level))
        {
            return (null, new PatientListRefusal(422, "Level not reported", $"{measure.Id} is not reported by {PatientListRequest.Name(request.Level)}; use one of {string.Join(", ", measure.Levels.Select(PatientListRequest.Name))}."));
        }
        if (await OutOfScopeAsync(who, request.Level, request.Unit, ct).ConfigureAwait(false) is { } reason)
        {
            return (null, new PatientListRefusal(403, "Outside your scope", reason));
        }

        var period = MeasureCompiler.PeriodFor(measure, request.Quarter);
        var evaluator = new MeasureEvaluator(storage);
        IReadOnlyList<MeasureSubjectRow> subjects;
        Units units;
        var connection = await JoinedUpStorage.OpenConnectionAsync(storage, ct).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await evaluator.PrepareAsync(connection, library, [period], ct).ConfigureAwait(false);
            units = await Units.LoadAsync(connection, ct).ConfigureAwait(false);
            subjects = await evaluator.SubjectsAsync(connection, measure, period, ct).ConfigureAwait(false);
        }
        var ratio = measure.Scoring == MeasureScoring.Ratio;
        var inCell = subjects.Where(s => InCell(s, request, units) && InPopulation(s, request.Population, ratio)).ToList();
        var patientIds = inCell.Select(s => s.PatientId).Distinct().ToList();
        var people = new Dictionary<long, PatientListRow>();
        // One statement per chunk: the record rules as a query, joined to the people in the cell.
        foreach (var chunk in patientIds.Chunk(2000))
        {
            var ids = chunk.ToList();
            var found = await access.WithFullView(who).Where(p => ids.Contains(p.Id))
                .Select(p => new { p.Id, p.GivenName, p.FamilyName, p.NhsNumber, p.BirthDate, Practice = p.RegisteredPractice == null ? null : p.RegisteredPractice.OdsCode, p.NationalOptOut })
                .ToListAsync(ct).ConfigureAwait(false);
            foreach (var p in found) people[p.Id] = new PatientListRow(0, p.Id, p.GivenName, p.FamilyName, p.NhsNumber, p.BirthDate, p.Practice, null, p.NationalOptOut);
        }
        var rows = inCell.Where(s => people.ContainsKey(s.PatientId))
            .Select(s => people[s.PatientId] with { SubjectId = s.SubjectId })
            .OrderBy(r => r.FamilyName, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.GivenName, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.SubjectId)
            .ToList();
        var notShown = inCell.Count - rows.Count;
        return (new MeasurePatientList(measure, request, period, inCell.Count, rows.Count, notShown, notShown == 0 ? null : NotShownReason(who), rows, null,
            clock.GetUtcNow().UtcDateTime), null);
    }

    private static string NotShownReason(AccessPrincipal who)
    {
        var parts = new List<string>();
        if (who.Has(Roles.PracticeStaff) || who.Has(Roles.NetworkLead)) parts.Add($"registered at other practices than {who.OrganisationCode ?? "yours"}");
        if (who.Has(Roles.Clinician) || who.Has(Roles.SpaCoordinator) || who.Has(Roles.CareNavigator))
        {
            parts.Add("not in your teams' care (caseload, referral or navigator), or dissenting from sharing");
        }
        return "They are " + string.Join(", and ", parts) + ": you may not see their records, so they are counted but not listed.";
    }

    private static bool InCell(MeasureSubjectRow s, PatientListRequest request, Units units) => request.Level switch
    {
        MeasureLevel.Borough => true,
        MeasureLevel.Practice => string.Equals(s.PracticeId is { } p ? units.PracticeCode(p) : MeasureEvaluator.Unregistered, request.Unit, StringComparison.Ordinal),
        MeasureLevel.Network => string.Equals(s.PracticeId is { } p ? units.NetworkOf(p) : MeasureEvaluator.Unregistered, request.Unit, StringComparison.Ordinal),
        _ => string.Equals(s.ServiceId is { } v ? units.ServiceCode(v) : MeasureEvaluator.NoService, request.Unit, StringComparison.Ordinal),
    };

    /// <summary>The populations as the figures count them (the compiled flags already apply the proportion rules).</summary>
    public static bool InPopulation(MeasureSubjectRow s, ListPopulation population, bool ratio)
    {
        ArgumentNullException.ThrowIfNull(s);
        var numerator = ratio ? s.Denominator && !s.Excluded && s.Count > 0 : s.Numerator;
        return population switch
        {
            ListPopulation.Denominator => s.Denominator,
            ListPopulation.Numerator => numerator,
            ListPopulation.NotNumerator => s.Denominator && !s.Excluded && !s.Excepted && !numerator,
            ListPopulation.Excluded => s.Excluded,
            _ => s.Excepted,
        };
    }

    /// <summary>For event measures, names the subject of each row on the page (a referral's reference, an episode, a task).</summary>
    private async Task<List<PatientListRow>> WithSubjectsAsync(MeasureDefinition measure, List<PatientListRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0 || measure.Subject.Type == SubjectType.Patient) return rows;
        var ids = rows.Select(r => r.SubjectId).ToList();
        Dictionary<long, string> names = measure.Subject.Type switch
        {
            SubjectType.Referral => await db.Referrals.AsNoTracking().Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => "referral " + r.Reference, ct).ConfigureAwait(false),
            SubjectType.Route => await db.ReferralRoutes.AsNoTracking().Where(r => ids.Contains(r.Id))
                .Select(r => new { r.Id, r.Referral!.Reference, Service = db.Services.Where(s => s.Id == r.ServiceId).Select(s => s.Code).FirstOrDefault() })
                .ToDictionaryAsync(r => r.Id, r => $"referral {r.Reference} to {r.Service}", ct).ConfigureAwait(false),
            SubjectType.Episode => ids.ToDictionary(i => i, i => string.Create(CultureInfo.InvariantCulture, $"episode {i}")),
            _ => ids.ToDictionary(i => i, i => string.Create(CultureInfo.InvariantCulture, $"care task {i}")),
        };
        return rows.Select(r => r with { Subject = names.GetValueOrDefault(r.SubjectId) }).ToList();
    }

    private static string Resource(PatientListRequest request) => $"Measure/{request.MeasureId}/patients?{request.Query}";

    private Task AuditRefusalAsync(AccessPrincipal who, PatientListRequest request, PatientListRefusal refusal, CancellationToken ct) =>
        refusal.Status == 403
            ? access.AuditAsync(who, AuditOutcome.Denied, Action, Resource(request), null, refusal.Message, null, ct)
            : Task.CompletedTask;

    private static PatientListResult Refused(PatientListRefusal refusal) => new(null, refusal);

    private static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        // A leading = + - @ would be read as a formula by a spreadsheet: quote it with an apostrophe.
        if (value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
