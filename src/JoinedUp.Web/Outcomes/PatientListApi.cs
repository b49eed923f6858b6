using System.Text;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Results;
using JoinedUp.Security;
using JoinedUp.Web.Security;

namespace JoinedUp.Web.Outcomes;

/// <summary>One person (or event) of a list as the API returns it.</summary>
public sealed record PatientListItem(long SubjectId, long PatientId, string Name, string? NhsNumber, DateOnly BirthDate, string? Practice, string? Subject, string Record);

/// <summary>A page of the people behind a figure, with the counts the caller needs to read it.</summary>
public sealed record PatientListPage(
    string Measure, string Quarter, string Level, string Unit, string Population, DateOnly PeriodStart, DateOnly PeriodEnd, DateTime EvaluatedAt,
    int InPopulation, int Visible, int NotShown, string? NotShownReason, IReadOnlyList<PatientListItem> People, string? Next)
{
    public static PatientListPage From(MeasurePatientList list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var r = list.Request;
        return new PatientListPage(list.Measure.Id, r.Quarter.Label, PatientListRequest.Name(r.Level), r.Unit, PatientListRequest.Name(r.Population),
            list.Period.Start, list.Period.End, list.EvaluatedAt, list.InPopulation, list.Visible, list.NotShown, list.NotShownReason,
            list.Rows.Select(p => new PatientListItem(p.SubjectId, p.PatientId, $"{p.FamilyName.ToUpperInvariant()}, {p.GivenName}", p.NhsNumber, p.BirthDate, p.PracticeCode, p.Subject, $"/record/{p.PatientId}")).ToList(),
            list.Next);
    }
}

/// <summary>
/// The people behind a figure (docs/adr/0006 4.4) over HTTP: a page of one cell's population as JSON, and the whole list
/// as a patient-level CSV that leaves out national data opt-outs. Live evaluations of the quarter; scoped by the record
/// rules; each view audited once.
/// </summary>
internal static class PatientListApi
{
    public static void MapPatientListApi(this WebApplication app)
    {
        app.MapGet("/api/outcomes/measures/{id}/patients", async Task<IResult> (string id, string? quarter, string? level, string? unit, string? population, string? after, int? limit,
                HttpContext http, MeasureLibrary library, MeasurePatientLists lists, CancellationToken ct) =>
            {
                var caller = http.RequiredCaller();
                if (!TryRequest(library, id, quarter, level, unit, population, out var request, out var problem)) return problem;
                long? cursor = null;
                if (!string.IsNullOrEmpty(after))
                {
                    if (!long.TryParse(after, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var a))
                    {
                        return TypedResults.Problem(title: "Bad cursor", detail: "'after' is the 'next' value of the previous page (a number); leave it out to start from the top.", statusCode: 422);
                    }
                    cursor = a;
                }
                var result = await lists.ListAsync(caller, request, cursor, limit ?? MeasurePatientLists.DefaultLimit, ct).ConfigureAwait(false);
                return result.Refusal is { } refusal ? Problem(refusal) : TypedResults.Ok(PatientListPage.From(result.List!));
            })
            .RequirePermission(Permission.OutcomesPatientList).WithTags("Outcomes").WithName("MeasurePatientList")
            .WithSummary("The people behind one figure: ?quarter=2026-27-Q1&level=practice&unit=A81001&population=not-numerator (denominator, numerator, not-numerator, excluded, excepted); limit (1-500, 100) and after=next. Live, within the record rules, audited once.");

        app.MapGet("/outcomes/measures/{id}/patients.csv", async Task<IResult> (string id, string? quarter, string? level, string? unit, string? population,
                HttpContext http, MeasureLibrary library, MeasurePatientLists lists, CancellationToken ct) =>
            {
                var caller = http.RequiredCaller();
                if (!TryRequest(library, id, quarter, level, unit, population, out var request, out var problem)) return problem;
                var (export, refusal) = await lists.ExportAsync(caller, request, ct).ConfigureAwait(false);
                if (refusal is not null) return Problem(refusal);
                var name = $"patients-{request.MeasureId}-{QuarterSlug.Of(request.Quarter)}-{PatientListRequest.Name(request.Level)}-{request.Unit}-{PatientListRequest.Name(request.Population)}.csv";
                http.Response.Headers["X-National-Opt-Outs-Left-Out"] = export!.OptedOutLeftOut.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.File(Encoding.UTF8.GetBytes(export.Csv), "text/csv", name);
            })
            .RequirePermission(Permission.OutcomesPatientList).WithTags("Outcomes").WithName("MeasurePatientListCsv")
            .WithSummary("The people behind one figure as CSV (a patient-level export): national data opt-outs are left out, and the first lines say how many.");
    }

    private static bool TryRequest(MeasureLibrary library, string id, string? quarter, string? level, string? unit, string? population, out PatientListRequest request, out Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem)
    {
        request = null!;
        problem = null!;
        var measure = library.Find(id);
        if (measure is null)
        {
            problem = TypedResults.Problem(title: "No such measure", detail: $"There is no measure '{id}'; /outcomes lists them.", statusCode: 404);
            return false;
        }
        if (MeasurePatientLists.NoListReason(measure) is { } none)
        {
            problem = TypedResults.Problem(title: "No list for experience measures", detail: none, statusCode: 422);
            return false;
        }
        if (!PatientListRequest.TryParse(measure, quarter, level, unit, population, out request, out var problems))
        {
            problem = TypedResults.Problem(title: "Not a list request", detail: string.Join(" ", problems), statusCode: 422);
            return false;
        }
        return true;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(PatientListRefusal refusal) => TypedResults.Problem(title: refusal.Title, detail: refusal.Message, statusCode: refusal.Status);
}
