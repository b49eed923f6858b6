using System.Net;
using System.Net.Http.Json;
using System.Text;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace JoinedUp.Tests.Security;

/// <summary>The role x permission matrix, walked through HTTP for every role, and kept in step with docs/security.md.</summary>
public class PermissionMatrixTests
{
    private static HttpRequestMessage Request(Permission permission, long patient, long stranger) => permission switch
    {
        Permission.RecordRead => new(HttpMethod.Get, $"/api/record/patients/{patient}"),
        Permission.RecordSearch => new(HttpMethod.Get, "/api/record/patients?family=Nobody"),
        Permission.RecordWrite => new(HttpMethod.Post, $"/api/record/patients/{patient}/observations") { Content = JsonContent.Create(new { code = "999791000000106", value = 48.0 }) },
        Permission.BreakGlass => new(HttpMethod.Post, $"/api/record/patients/{stranger}/break-glass") { Content = JsonContent.Create(new { reason = "short" }) },
        Permission.ConsentManage => new(HttpMethod.Get, $"/api/record/patients/{patient}/consent"),
        Permission.ProxyManage => new(HttpMethod.Get, $"/api/record/patients/{patient}/proxies"),
        Permission.RelationshipManage => new(HttpMethod.Delete, "/api/security/relationships/987654321"),
        Permission.AuditOwn => new(HttpMethod.Get, "/api/me/record-access"),
        Permission.AuditRead => new(HttpMethod.Get, "/api/security/audit"),
        Permission.BreakGlassReview => new(HttpMethod.Get, "/api/security/break-glass"),
        Permission.UsersManage => new(HttpMethod.Get, "/api/security/users"),
        Permission.ReferralCreate => new(HttpMethod.Post, "/api/referrals") { Content = JsonContent.Create(new { source = "gp" }) },
        Permission.ReferralRead => new(HttpMethod.Get, "/api/referrals/R-NOTHERE2"),
        Permission.ReferralTriage => new(HttpMethod.Get, "/api/referrals/worklist"),
        Permission.ReferralAccept => new(HttpMethod.Get, "/api/referrals/team"),
        Permission.TriageRulesManage => new(HttpMethod.Get, "/api/triage-rules"),
        Permission.CarePlanRead => new(HttpMethod.Get, "/api/care/plans/987654321"),
        Permission.CarePlanWrite => new(HttpMethod.Post, "/api/care/plans") { Content = JsonContent.Create(new { title = "x" }) },
        Permission.CarePlanComment => new(HttpMethod.Post, "/api/care/goals/987654321/comments") { Content = JsonContent.Create(new { text = "x" }) },
        Permission.TaskManage => new(HttpMethod.Get, "/api/care/tasks/incoming"),
        Permission.NavigationManage => new(HttpMethod.Put, $"/api/care/patients/{stranger}/navigator") { Content = JsonContent.Create(new { staffCode = "x" }) },
        Permission.OutcomesRead => new(HttpMethod.Get, "/api/outcomes/runs"),
        Permission.OutcomesManage => new(HttpMethod.Post, "/api/outcomes/runs") { Content = JsonContent.Create(new { quarter = "not-a-quarter" }) },
        Permission.PaymentRead => new(HttpMethod.Get, "/api/outcomes/statement/2026-27-Q1"),
        Permission.ExperienceRespond => new(HttpMethod.Get, "/api/experience/mine"),
        Permission.OutcomesPatientList => new(HttpMethod.Get, "/api/outcomes/measures/diabetes-hba1c/patients?quarter=not-a-quarter"),
        _ => throw new ArgumentOutOfRangeException(nameof(permission)),
    };

    /// <summary>Pages and the permission each needs.</summary>
    private static readonly (string Path, Permission Permission)[] Pages =
    [
        ("/record", Permission.RecordSearch),
        ("/ig/audit", Permission.AuditRead),
        ("/ig/break-glass", Permission.BreakGlassReview),
        ("/admin/users", Permission.UsersManage),
        ("/access", Permission.ReferralTriage),
        ("/access/team", Permission.ReferralAccept),
        ("/access/refer", Permission.ReferralCreate),
        ("/referrals", Permission.ReferralRead),
        ("/admin/triage-rules", Permission.TriageRulesManage),
        ("/care", Permission.TaskManage),
        ("/outcomes", Permission.OutcomesRead),
        ("/outcomes/measures/diabetes-hba1c", Permission.OutcomesRead),
        ("/outcomes/statement/2026-27-Q1", Permission.PaymentRead),
        ("/outcomes/measures/diabetes-hba1c/patients", Permission.OutcomesPatientList),
    ];

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Every_role_gets_exactly_what_the_matrix_allows_through_HTTP_and_every_refusal_is_audited(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var stranger = await app.StrangerAsync();
        var mismatches = new List<string>();

        async Task Walk(string role, HttpClient client, bool browser)
        {
            foreach (var permission in PermissionMatrix.AllPermissions)
            {
                using var request = Request(permission, patient, stranger);
                var response = await client.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                var refusedByGate = response.StatusCode == HttpStatusCode.Forbidden && body.Contains("Your role does not allow", StringComparison.Ordinal);
                var expected = PermissionMatrix.Allows(role, permission);
                if (expected == refusedByGate) mismatches.Add($"{role} {PermissionMatrix.Name(permission)}: matrix says {(expected ? "allow" : "refuse")}, got {(int)response.StatusCode} {body[..Math.Min(body.Length, 120)]}");
                if (response.StatusCode == HttpStatusCode.InternalServerError) mismatches.Add($"{role} {PermissionMatrix.Name(permission)}: 500");
            }
            if (!browser) return;
            foreach (var (path, permission) in Pages)
            {
                var response = await client.GetAsync(path);
                var refused = response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/account/denied", StringComparison.Ordinal);
                var expected = PermissionMatrix.Allows(role, permission);
                if (expected == refused || (expected && response.StatusCode != HttpStatusCode.OK)) mismatches.Add($"{role} page {path}: expected {(expected ? "200" : "denied")}, got {(int)response.StatusCode}");
            }
        }

        foreach (var account in DemoSecurity.Accounts)
        {
            using var client = await app.SignInAsync(account.Email);
            await Walk(account.Role, client, browser: true);
        }
        using (var system = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.cruds")))
        {
            await Walk(Roles.System, system, browser: false);
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));

        // Every refusal by the gate is in the audit trail with the permission that was missing.
        var refusals = await app.AuditAsync(e => e.Outcome == AuditOutcome.Denied && e.Basis != null && e.Basis.Contains(" lack ", StringComparison.Ordinal));
        var expectedRefusals = DemoSecurity.Accounts.Select(a => a.Role).Append(Roles.System)
            .Sum(role => PermissionMatrix.AllPermissions.Count(p => !PermissionMatrix.Allows(role, p)))
            + DemoSecurity.Accounts.Sum(a => Pages.Count(p => !PermissionMatrix.Allows(a.Role, p.Permission)));
        Assert.Equal(expectedRefusals, refusals.Count);
    }

    [Fact]
    public async Task Every_endpoint_and_page_declares_a_permission_or_is_explicitly_public()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        var sources = app.Factory.Services.GetRequiredService<EndpointDataSource>();
        // These show only the caller's own account, or the staff directory (no patient data), so a sign-in is all they need.
        var signInOnly = new HashSet<string>(StringComparer.Ordinal) { "/api/me", "/my", "/fhir/Practitioner/{id}", "/fhir/PractitionerRole" };
        var unguarded = new List<string>();
        foreach (var endpoint in sources.Endpoints.OfType<RouteEndpoint>())
        {
            var route = endpoint.RoutePattern.RawText ?? endpoint.DisplayName ?? "?";
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null) continue;
            // Blazor's own redirect helper for enhanced navigation: it serves no data.
            if (route.TrimStart('/').StartsWith("_framework/", StringComparison.Ordinal)) continue;
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            if (policies.Any(p => p is not null && Policies.Parse(p) is not null)) continue;
            if (policies.Count > 0 && signInOnly.Contains("/" + route.TrimStart('/'))) continue;
            unguarded.Add($"{route} ({string.Join(',', policies.Select(p => p ?? "sign-in only"))})");
        }
        Assert.True(unguarded.Count == 0, "Endpoints without a permission or [AllowAnonymous]:\n" + string.Join("\n", unguarded));
    }

    [Fact]
    public void Docs_security_md_prints_the_same_matrix_as_the_code()
    {
        var expected = MatrixMarkdown();
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "security.md"));
        const string start = "<!-- matrix:start -->", end = "<!-- matrix:end -->";
        var from = docs.IndexOf(start, StringComparison.Ordinal);
        var to = docs.IndexOf(end, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, "docs/security.md has no matrix markers");
        var actual = docs[(from + start.Length)..to].Trim().ReplaceLineEndings("\n");
        Assert.True(expected == actual, "docs/security.md's matrix differs from PermissionMatrix. It should read:\n" + expected);
    }

    internal static string MatrixMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("| permission |");
        foreach (var role in Roles.All) sb.Append(' ').Append(role).Append(" |");
        sb.Append('\n').Append("|---|");
        foreach (var _ in Roles.All) sb.Append(":-:|");
        foreach (var permission in PermissionMatrix.AllPermissions)
        {
            sb.Append('\n').Append("| `").Append(PermissionMatrix.Name(permission)).Append("` |");
            foreach (var role in Roles.All) sb.Append(PermissionMatrix.Allows(role, permission) ? " yes |" : " - |");
        }
        return sb.ToString();
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "JoinedUp.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (JoinedUp.slnx) above " + AppContext.BaseDirectory);
    }
}
