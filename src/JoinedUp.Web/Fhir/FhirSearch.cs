using System.Globalization;
using System.Linq.Expressions;
using Expression = System.Linq.Expressions.Expression;
using Hl7.Fhir.Model;
using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;
using FhirPatient = Hl7.Fhir.Model.Patient;
using Patient = JoinedUp.Record.Patient;

namespace JoinedUp.Web.Fhir;

/// <summary>A search parameter the server cannot use, and why.</summary>
internal sealed record SearchProblem(string Parameter, string Message);

/// <summary>A FHIR date search value: a prefix and the range the given precision covers (yyyy, yyyy-mm or yyyy-mm-dd).</summary>
internal readonly record struct DateParam(string Prefix, DateOnly Start, DateOnly EndExclusive)
{
    private static readonly string[] Prefixes = ["eq", "ne", "ge", "le", "gt", "lt"];

    public static bool TryParse(string text, out DateParam value)
    {
        value = default;
        var prefix = text.Length > 2 && Prefixes.Contains(text[..2], StringComparer.Ordinal) ? text[..2] : "eq";
        var date = prefix == "eq" && !text.StartsWith("eq", StringComparison.Ordinal) ? text : text[2..];
        var styles = DateTimeStyles.None;
        if (DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, styles, out var day))
        {
            value = new DateParam(prefix, day, day.AddDays(1));
            return true;
        }
        if (DateOnly.TryParseExact(date + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, styles, out var month) && date.Length == 7)
        {
            value = new DateParam(prefix, month, month.AddMonths(1));
            return true;
        }
        if (date.Length == 4 && int.TryParse(date, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is >= 1 and <= 9998)
        {
            value = new DateParam(prefix, new DateOnly(year, 1, 1), new DateOnly(year + 1, 1, 1));
            return true;
        }
        return false;
    }
}

/// <summary>Search helpers shared by every FHIR search: date prefixes as query filters, starts-with patterns, next links.</summary>
internal static class FhirQuery
{
    /// <summary>Applies a date search value to a DateTime column (UTC): the prefix against the range the value's precision covers.</summary>
    public static IQueryable<T> Where<T>(this IQueryable<T> query, DateParam d, Expression<Func<T, DateTime>> column)
    {
        var start = d.Start.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var end = d.EndExclusive.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        Expression<Func<DateTime, bool>> test = d.Prefix switch
        {
            "ge" => v => v >= start,
            "gt" => v => v >= end,
            "le" => v => v < end,
            "lt" => v => v < start,
            "ne" => v => v < start || v >= end,
            _ => v => v >= start && v < end,
        };
        return query.Where(Compose(column, test));
    }

    /// <summary>The same for a DateOnly column (birth dates).</summary>
    public static IQueryable<T> Where<T>(this IQueryable<T> query, DateParam d, Expression<Func<T, DateOnly>> column)
    {
        var (start, end) = (d.Start, d.EndExclusive);
        Expression<Func<DateOnly, bool>> test = d.Prefix switch
        {
            "ge" => v => v >= start,
            "gt" => v => v >= end,
            "le" => v => v < end,
            "lt" => v => v < start,
            "ne" => v => v < start || v >= end,
            _ => v => v >= start && v < end,
        };
        return query.Where(Compose(column, test));
    }

    /// <summary>x => test(column(x)), inlined so that EF translates it.</summary>
    private static Expression<Func<T, bool>> Compose<T, TValue>(Expression<Func<T, TValue>> column, Expression<Func<TValue, bool>> test) =>
        Expression.Lambda<Func<T, bool>>(new Replace(test.Parameters[0], column.Body).Visit(test.Body), column.Parameters);

    private sealed class Replace(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }

    /// <summary>A lower-case LIKE pattern with the value's wildcards escaped (escape character backslash): "starts with" or "contains".</summary>
    public static string LikePattern(string value, bool contains = false)
    {
        var escaped = value.Trim().ToLowerInvariant().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
        return (contains ? "%" : "") + escaped + "%";
    }

    /// <summary>The next page's link: the same query with the keyset cursor after <paramref name="lastId"/>.</summary>
    public static Bundle.LinkComponent NextLink(HttpContext http, string type, long lastId) => NextLink(http, type, lastId.ToString(CultureInfo.InvariantCulture));

    /// <summary>The next page's link: the same query with the given keyset cursor.</summary>
    public static Bundle.LinkComponent NextLink(HttpContext http, string type, string cursor)
    {
        var next = http.Request.Query.Where(q => q.Key != "_cursor").SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v))).ToList();
        next.Add(KeyValuePair.Create("_cursor", (string?)cursor));
        return new Bundle.LinkComponent { Relation = "next", Url = $"{FhirEndpoints.BaseUrl(http)}/{type}{QueryString.Create(next)}" };
    }
}

/// <summary>
/// Patient search: only patients the caller may open (the same query as every other search), stable keyset paging
/// whose next links re-run that rule, every patient returned audited, and unknown parameters handled as the client's
/// Prefer: handling asks (strict: 400; lenient, the default: ignored and listed in an OperationOutcome entry).
/// </summary>
internal static class FhirPatientSearch
{
    public const int DefaultCount = 20;
    public const int MaxCount = 100;

    /// <summary>The most entries of one type a _revinclude adds per patient (newest first); more: search that type.</summary>
    public const int RevIncludeLimit = 100;

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "_id", "identifier", "family", "given", "name", "birthdate", "general-practitioner:identifier", "_lastUpdated", "_count", "_summary", "_cursor", "_format", "_revinclude",
    };

    public static async Task<IResult> RunAsync(HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct)
    {
        var who = http.RequiredCaller();
        var query = http.Request.Query;
        var strict = http.Request.Headers["Prefer"].ToString().Contains("handling=strict", StringComparison.OrdinalIgnoreCase);
        var ignored = new List<SearchProblem>();
        foreach (var key in query.Keys.Where(k => !Known.Contains(k)))
        {
            ignored.Add(new SearchProblem(key, $"The search parameter '{key}' is not supported for Patient (see /fhir/metadata)."));
        }
        if (strict && ignored.Count > 0)
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported, ignored[0].Message, ignored[0].Parameter);
        }

        IQueryable<Patient> patients = access.Searchable(who);
        if (query.TryGetValue("_id", out var ids))
        {
            var list = new List<long>();
            foreach (var id in ids.SelectMany(v => (v ?? "").Split(',')))
            {
                if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) return Bad("_id", $"'{id}' is not a Patient id (ids are numbers).");
                list.Add(parsed);
            }
            patients = patients.Where(p => list.Contains(p.Id));
        }
        foreach (var identifier in query["identifier"].OfType<string>())
        {
            var bar = identifier.IndexOf('|', StringComparison.Ordinal);
            var system = bar < 0 ? null : identifier[..bar];
            var value = bar < 0 ? identifier : identifier[(bar + 1)..];
            if (system == PatientMapping.NhsNumberSystem || system is null or "")
            {
                if (system == PatientMapping.NhsNumberSystem && !NhsNumber.TryParse(value, out _, out var error)) return Bad("identifier", error!);
                patients = system is null or ""
                    ? patients.Where(p => p.NhsNumber == value || p.LocalIdentifier == value
                        || db.ResourceIdentifiers.Any(r => r.ResourceType == "Patient" && r.Value == value && r.ResourceId == p.Id))
                    : patients.Where(p => p.NhsNumber == value);
            }
            else if (system == PatientMapping.LocalIdentifierSystem)
            {
                patients = patients.Where(p => p.LocalIdentifier == value);
            }
            else
            {
                // Any other system: the identifiers the patient was sent with (e.g. a hospital number).
                patients = patients.Where(p => db.ResourceIdentifiers.Any(r => r.ResourceType == "Patient" && r.System == system && r.Value == value && r.ResourceId == p.Id));
            }
        }
        foreach (var family in query["family"].OfType<string>())
        {
            var f = FhirQuery.LikePattern(family);
            patients = patients.Where(p => EF.Functions.Like(p.FamilyName.ToLower(), f, "\\"));
        }
        foreach (var given in query["given"].OfType<string>())
        {
            var g = FhirQuery.LikePattern(given);
            patients = patients.Where(p => EF.Functions.Like(p.GivenName.ToLower(), g, "\\"));
        }
        foreach (var name in query["name"].OfType<string>())
        {
            var n = FhirQuery.LikePattern(name);
            patients = patients.Where(p => EF.Functions.Like(p.FamilyName.ToLower(), n, "\\") || EF.Functions.Like(p.GivenName.ToLower(), n, "\\"));
        }
        foreach (var birthdate in query["birthdate"].OfType<string>())
        {
            if (!DateParam.TryParse(birthdate, out var d)) return Bad("birthdate", $"'{birthdate}' is not a FHIR date search value: use [prefix]yyyy, yyyy-mm or yyyy-mm-dd with prefix eq, ne, ge, le, gt or lt.");
            patients = patients.Where(d, p => p.BirthDate);
        }
        foreach (var updated in query["_lastUpdated"].OfType<string>())
        {
            if (!DateParam.TryParse(updated, out var d)) return Bad("_lastUpdated", $"'{updated}' is not a FHIR date search value: use [prefix]yyyy, yyyy-mm or yyyy-mm-dd.");
            patients = patients.Where(d, p => p.LastUpdated);
        }
        foreach (var gp in query["general-practitioner:identifier"].OfType<string>())
        {
            var bar = gp.IndexOf('|', StringComparison.Ordinal);
            var system = bar < 0 ? null : gp[..bar];
            var code = bar < 0 ? gp : gp[(bar + 1)..];
            if (system is not null && system != PatientMapping.OdsCodeSystem) return Bad("general-practitioner:identifier", $"Practices are identified by ODS code ({PatientMapping.OdsCodeSystem}).");
            patients = patients.Where(p => p.RegisteredPractice != null && p.RegisteredPractice.OdsCode == code);
        }

        if (query["_summary"].ToString() == "count")
        {
            var total = await patients.CountAsync(ct).ConfigureAwait(false);
            await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.RecordSearch), "Patient?_summary=count", null, "search (count only)", $"{total} matches", ct).ConfigureAwait(false);
            return FhirResults.Resource(new Bundle { Type = Bundle.BundleType.Searchset, Total = total });
        }

        var count = DefaultCount;
        if (query.TryGetValue("_count", out var countText))
        {
            if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1) return Bad("_count", "_count is a whole number from 1.");
            count = Math.Min(count, MaxCount);
        }
        long after = 0;
        if (query.TryGetValue("_cursor", out var cursor) && !long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            return Bad("_cursor", "The paging cursor is not valid: follow the bundle's next link as given.");
        }
        // Keyset paging by id: a page link stays correct when patients are added or removed meanwhile.
        var page = await patients.Where(p => p.Id > after).OrderBy(p => p.Id).Take(count + 1).Select(p => p.Id).ToListAsync(ct).ConfigureAwait(false);
        var more = page.Count > count;
        if (more) page.RemoveAt(page.Count - 1);

        var baseUrl = FhirEndpoints.BaseUrl(http);
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = $"{baseUrl}/Patient{http.Request.QueryString}" });
        if (more)
        {
            bundle.Link.Add(FhirQuery.NextLink(http, "Patient", page[^1]));
        }
        var action = PermissionMatrix.Name(Permission.RecordSearch);
        foreach (var id in page)
        {
            if (await PatientMapping.ReadAsync(db, id, ct).ConfigureAwait(false) is not { } resource) continue;
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/Patient/{id}",
                Resource = resource,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        }
        // _revinclude=<Type>:patient: each patient's entries of that type, through that patient's own record view
        // (restricted entries and the triage limit apply exactly as on a read), at most RevIncludeLimit each.
        foreach (var revinclude in query["_revinclude"].OfType<string>())
        {
            var parts = revinclude.Split(':');
            if (parts.Length != 2 || parts[1] is not ("patient" or "subject") || !RecordMapping.IsClinical(parts[0]))
            {
                return Bad("_revinclude", $"_revinclude={revinclude} is not supported; use <Type>:patient for {string.Join(", ", RecordMapping.StoredTypes.Where(RecordMapping.IsClinical))}.");
            }
            foreach (var id in page)
            {
                var (view, _) = await access.DecideAsync(who, id, ct).ConfigureAwait(false);
                if (view is null) continue;
                foreach (var resource in await ClinicalResources.ForPatientAsync(db, view, parts[0], RevIncludeLimit, ct).ConfigureAwait(false))
                {
                    bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/{resource.TypeName}/{resource.Id}", Resource = resource, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Include } });
                }
            }
        }
        if (ignored.Count > 0)
        {
            var outcome = new OperationOutcome();
            foreach (var problem in ignored)
            {
                outcome.Issue.Add(new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Warning, Code = OperationOutcome.IssueType.NotSupported, Diagnostics = problem.Message + " It was ignored.", Expression = [problem.Parameter] });
            }
            bundle.Entry.Add(new Bundle.EntryComponent { Resource = outcome, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome } });
        }
        // Each patient in the page is an access to their record, audited as one; an empty page is audited as the search.
        if (page.Count == 0) await access.AuditAsync(who, AuditOutcome.Allowed, action, "Patient?search", null, "search", "0 results", ct).ConfigureAwait(false);
        await System.Threading.Tasks.Task.WhenAll(page.Select(id => access.AuditAsync(who, AuditOutcome.Allowed, action, "Patient?search", id, "search result", null, ct))).ConfigureAwait(false);
        return FhirResults.Resource(bundle);
    }

    private static IResult Bad(string parameter, string message) =>
        FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message, parameter);
}
