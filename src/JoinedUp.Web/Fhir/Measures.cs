using System.Globalization;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Results;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using FhirValueSet = Hl7.Fhir.Model.ValueSet;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// The outcomes framework over FHIR (ADR 0006 4.5): Measure generated from each definition, the definition file as
/// Binary/measure-{id}, the value sets as ValueSet, and Measure/{id}/$evaluate-measure for a financial quarter: the
/// borough summary from the quarter's official run (or live, for commissioners and system clients), or one patient's
/// individual report, authorised and audited like any read of that patient.
/// </summary>
internal static partial class Measures
{
    /// <summary>Live evaluations run one at a time per node: each loads the value sets and runs a whole-borough statement.</summary>
    private static readonly SemaphoreSlim LiveGate = new(1, 1);

    private const string PeriodRule = "periodStart and periodEnd must be the first and last day of one financial quarter (April-June, July-September, October-December or January-March), as yyyy-mm-dd: for example periodStart=2026-04-01&periodEnd=2026-06-30. The report's period is then the measure's own measurement period ending on that quarter's last day.";

    public static void MapMeasures(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/Measure/{id}", (string id, HttpContext http, MeasureLibrary library) =>
                library.Find(id) is { } m ? FhirResults.Resource(MeasureResources.ToMeasure(m, FhirEndpoints.BaseUrl(http))) : UnknownMeasure(library, id))
            .RequirePermission(Permission.OutcomesRead)
            .WithName("FhirReadMeasure").WithSummary("A measure of the outcomes framework, generated from its definition.");

        fhir.MapGet("/Measure", (string? url, string? title, string? version, HttpContext http, MeasureLibrary library) =>
            {
                var measures = library.Measures.AsEnumerable();
                if (!string.IsNullOrEmpty(url))
                {
                    var (canonical, ver) = SplitCanonical(url);
                    measures = measures.Where(m => string.Equals(MeasureResources.Url(m), canonical, StringComparison.Ordinal) && (ver is null || string.Equals(m.Version, ver, StringComparison.Ordinal)));
                }
                if (!string.IsNullOrEmpty(version)) measures = measures.Where(m => string.Equals(m.Version, version, StringComparison.Ordinal));
                if (!string.IsNullOrEmpty(title))
                {
                    var words = title.Trim();
                    measures = measures.Where(m => m.Title.Contains(words, StringComparison.OrdinalIgnoreCase));
                }
                var baseUrl = FhirEndpoints.BaseUrl(http);
                return FhirResults.Resource(DirectoryResources.Searchset(http, "Measure", measures.Select(m => MeasureResources.ToMeasure(m, baseUrl))));
            })
            .RequirePermission(Permission.OutcomesRead)
            .WithName("FhirSearchMeasure").WithSummary("The measures of the outcomes framework: all, or by url (canonical, optionally |version), version or title (contains, any case).");

        fhir.MapGet("/Binary/measure-{id}", (string id, MeasureLibrary library) =>
                library.Find(id) is { } m ? FhirResults.Resource(MeasureResources.ToBinary(m)) : UnknownMeasure(library, id))
            .RequirePermission(Permission.OutcomesRead)
            .WithName("FhirReadMeasureDefinition").WithSummary("A measure's definition file exactly as read (JSON with comments), base64 in Binary.data; its SHA-256 is the definition's hash.");

        fhir.MapGet("/ValueSet/{id}", (string id, MeasureLibrary library) =>
                library.ValueSets.TryGetValue(id, out var vs)
                    ? FhirResults.Resource(FhirJson.Parse<FhirValueSet>(vs.Json))
                    : FhirResults.Problem(404, OperationOutcome.IssueType.NotFound, $"There is no ValueSet '{id}'. GET /fhir/ValueSet lists the {library.ValueSets.Count} value sets the measures use."))
            .RequirePermission(Permission.OutcomesRead)
            .WithName("FhirReadValueSet").WithSummary("A value set of the outcomes framework, as stored (a FHIR R4 ValueSet with its codes listed).");

        fhir.MapGet("/ValueSet", (string? url, string? title, HttpContext http, MeasureLibrary library) =>
            {
                var sets = library.ValueSets.Values.OrderBy(v => v.Id, StringComparer.Ordinal).AsEnumerable();
                if (!string.IsNullOrEmpty(url)) sets = sets.Where(v => string.Equals(v.Url, SplitCanonical(url).Url, StringComparison.Ordinal));
                if (!string.IsNullOrEmpty(title)) sets = sets.Where(v => v.Title.Contains(title.Trim(), StringComparison.OrdinalIgnoreCase));
                return FhirResults.Resource(DirectoryResources.Searchset(http, "ValueSet", sets.Select(v => FhirJson.Parse<FhirValueSet>(v.Json))));
            })
            .RequirePermission(Permission.OutcomesRead)
            .WithName("FhirSearchValueSet").WithSummary("The value sets of the outcomes framework: all, or by url or title (contains, any case).");

        fhir.MapMethods("/Measure/{id}/$evaluate-measure", ["GET", "POST"], EvaluateAsync)
            .RequirePermission(Permission.OutcomesRead)
            .WithName("FhirEvaluateMeasure").WithSummary("$evaluate-measure for one financial quarter: reportType population (the official run's figures, or live for outcomes.manage and system clients) or subject (one patient, authorised and audited like a read of them).");
    }

    private static async Task<IResult> EvaluateAsync(string id, HttpContext http, MeasureLibrary library, OutcomesReports reports, OutcomesRunner runner,
        StorageOptions storage, RecordAccessService access, TimeProvider clock, CancellationToken ct)
    {
        var who = http.RequiredCaller();
        var m = library.Find(id);
        if (m is null) return UnknownMeasure(library, id);

        var (args, error) = await ArgumentsAsync(http, ct).ConfigureAwait(false);
        if (error is not null) return error;
        string? Arg(string name) => args!.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        if (!TryDay(Arg("periodStart"), out var start) || !TryDay(Arg("periodEnd"), out var end))
        {
            return Unprocessable($"periodStart and periodEnd are required dates. {PeriodRule}", "periodStart");
        }
        if (end < start) return Unprocessable($"periodEnd ({end:yyyy-MM-dd}) is before periodStart ({start:yyyy-MM-dd}). {PeriodRule}", "periodEnd");
        var quarter = FinancialQuarter.Containing(start);
        if (quarter.Start != start || quarter.End != end)
        {
            return Unprocessable($"{start:yyyy-MM-dd} to {end:yyyy-MM-dd} is not a financial quarter. {PeriodRule}", "periodStart");
        }
        var period = JoinedUp.Outcomes.Measures.Sql.MeasureCompiler.PeriodFor(m, quarter);

        var subject = Arg("subject");
        var reportType = Arg("reportType") ?? (subject is null ? "population" : "subject");
        switch (reportType)
        {
            case "subject-list":
                return Unprocessable("reportType=subject-list is not available here yet: the people behind a figure are listed by the patient list API (outcomes.patient-list, ADR 0006 4.4).", "reportType", OperationOutcome.IssueType.NotSupported);
            case "population":
                if (subject is not null) return Unprocessable("subject is for reportType=subject (one patient's report); leave it out for a population report.", "subject");
                return await PopulationAsync(m, quarter, period, who, reports, runner, clock, ct).ConfigureAwait(false);
            case "subject":
                return await SubjectAsync(m, period, subject, who, storage, library, access, clock, ct).ConfigureAwait(false);
            default:
                return Unprocessable($"reportType '{reportType}' is not one this server makes: use population (the default) or subject (with subject=Patient/<id>).", "reportType");
        }
    }

    private static async Task<IResult> PopulationAsync(MeasureDefinition m, FinancialQuarter quarter, MeasurePeriod period, AccessPrincipal who,
        OutcomesReports reports, OutcomesRunner runner, TimeProvider clock, CancellationToken ct)
    {
        var run = await reports.OfficialRunAsync(quarter, ct).ConfigureAwait(false);
        if (run is not null)
        {
            var results = await reports.ResultsAsync(run.Id, ct).ConfigureAwait(false);
            var rows = results!.Rows.Where(r => string.Equals(r.MeasureKey, m.Id, StringComparison.Ordinal)).ToList();
            if (rows.Count > 0)
            {
                var stored = new MeasurePeriod(rows[0].PeriodStart, rows[0].PeriodEnd, quarter.Label);
                return FhirResults.Resource(MeasureResources.Summary(m, stored, rows.Select(MeasureReportCell.Stored).ToList(), run.Id, new DateTimeOffset(DateTime.SpecifyKind(run.FinishedAt, DateTimeKind.Utc))));
            }
        }
        // No official figures: only those who may run the framework (commissioners) and system clients may make it run now.
        if (!who.Can(Permission.OutcomesManage) && !who.Has(Roles.System))
        {
            return FhirResults.Problem(404, OperationOutcome.IssueType.NotFound,
                $"There are no official results of {m.Id} for {quarter.Label} yet. They appear when a commissioner runs the quarter officially; commissioners and system clients may evaluate it live meanwhile.");
        }
        await LiveGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var evaluation = (await runner.EvaluateAsync(quarter, [m.Id], null, ct).ConfigureAwait(false)).Single();
            return FhirResults.Resource(MeasureResources.Summary(m, evaluation.Period, evaluation.Figures.Select(f => MeasureReportCell.Live(m, f)).ToList(), null, clock.GetUtcNow()));
        }
        finally
        {
            LiveGate.Release();
        }
    }

    private static async Task<IResult> SubjectAsync(MeasureDefinition m, MeasurePeriod period, string? subject, AccessPrincipal who,
        StorageOptions storage, MeasureLibrary library, RecordAccessService access, TimeProvider clock, CancellationToken ct)
    {
        if (subject is null || PatientReference().Match(subject) is not { Success: true } match
            || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var patientId))
        {
            return Unprocessable("reportType=subject needs subject=Patient/<id>: one patient's report.", "subject");
        }
        if (m.Subject.Type == SubjectType.Experience)
        {
            return Unprocessable($"{m.Id} counts anonymous experience responses: there is no report for one person.", "subject");
        }
        // The report says which populations one person is in: the same rule as reading that person's record.
        if (!who.Can(Permission.RecordRead)) return FhirResults.Forbidden();
        var opened = await access.BeginOpenAsync(who, patientId, PermissionMatrix.Name(Permission.RecordRead), $"Measure/{m.Id}/$evaluate-measure?subject=Patient/{patientId}&period={period.Start:yyyy-MM-dd}..{period.End:yyyy-MM-dd}", ct).ConfigureAwait(false);
        if (opened.View is null) return FhirResults.Forbidden();

        List<MeasureSubjectRow> rows;
        await LiveGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var evaluator = new MeasureEvaluator(storage);
            var connection = await JoinedUpStorage.OpenConnectionAsync(storage, ct).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await evaluator.PrepareAsync(connection, library, [period], ct).ConfigureAwait(false);
                // The compiled statement lists every subject; the one person's rows are kept (a per-patient filter belongs in the compiler).
                rows = (await evaluator.SubjectsAsync(connection, m, period, ct).ConfigureAwait(false)).Where(r => r.PatientId == patientId).ToList();
            }
        }
        finally
        {
            LiveGate.Release();
        }
        await opened.Audited.ConfigureAwait(false);
        return FhirResults.Resource(MeasureResources.Individual(m, period, patientId, rows, clock.GetUtcNow()));
    }

    /// <summary>The operation's parameters: the query string, and for POST a Parameters resource (its values win).</summary>
    private static async Task<(Dictionary<string, string>? Args, IResult? Error)> ArgumentsAsync(HttpContext http, CancellationToken ct)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in http.Request.Query) args[key] = value.ToString();
        if (HttpMethods.IsPost(http.Request.Method) && (http.Request.ContentLength > 0 || http.Request.ContentType is not null))
        {
            var (parameters, error) = await FhirBody.ReadAsync<Parameters>(http, ct).ConfigureAwait(false);
            if (error is not null) return (null, error);
            foreach (var p in parameters!.Parameter.Where(p => p.Name is not null))
            {
                args[p.Name!] = p.Value switch
                {
                    Date d => d.Value ?? "",
                    FhirDateTime dt => dt.Value ?? "",
                    FhirString s => s.Value ?? "",
                    Code c => c.Value ?? "",
                    ResourceReference r => r.Reference ?? "",
                    PrimitiveType prim => prim.ToString() ?? "",
                    _ => "",
                };
            }
        }
        return (args, null);
    }

    /// <summary>A day as yyyy-mm-dd (a dateTime's day part is accepted: the report covers whole UK days).</summary>
    private static bool TryDay(string? text, out DateOnly day)
    {
        day = default;
        if (text is null) return false;
        if (text.Length > 10 && text[10] == 'T') text = text[..10];
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
    }

    private static (string Url, string? Version) SplitCanonical(string canonical)
    {
        var bar = canonical.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? (canonical, null) : (canonical[..bar], canonical[(bar + 1)..]);
    }

    private static IResult UnknownMeasure(MeasureLibrary library, string id) =>
        FhirResults.Problem(404, OperationOutcome.IssueType.NotFound, $"There is no Measure '{id}'. This server has {string.Join(", ", library.Measures.Select(m => m.Id))}.");

    private static IResult Unprocessable(string message, string expression, OperationOutcome.IssueType code = OperationOutcome.IssueType.Invalid) =>
        FhirResults.Problem(StatusCodes.Status422UnprocessableEntity, code, message, expression);

    [GeneratedRegex(@"^(?:Patient/)?(\d{1,18})$")]
    private static partial Regex PatientReference();
}
