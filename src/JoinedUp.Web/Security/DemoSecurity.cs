using System.Text.Json;
using JoinedUp.Access;
using JoinedUp.Directory;
using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace JoinedUp.Web.Security;

/// <summary>Registers the configured OAuth clients (and updates them when the configuration changes).</summary>
internal sealed class ClientRegistrar(IOpenIddictApplicationManager applications)
{
    public const string OrganisationProperty = "ju_org";

    public async Task EnsureAsync(IEnumerable<ClientOptions> clients, CancellationToken ct)
    {
        foreach (var client in clients)
        {
            if (string.IsNullOrWhiteSpace(client.ClientId)) throw new InvalidOperationException("Security:Clients has an entry without a ClientId.");
            var descriptor = Describe(client);
            var existing = await applications.FindByClientIdAsync(client.ClientId, ct).ConfigureAwait(false);
            if (existing is null) await applications.CreateAsync(descriptor, ct).ConfigureAwait(false);
            else await applications.UpdateAsync(existing, descriptor, ct).ConfigureAwait(false);
        }
    }

    private static OpenIddictApplicationDescriptor Describe(ClientOptions client)
    {
        var confidential = !string.IsNullOrEmpty(client.Secret);
        var app = client.RedirectUris.Count > 0;
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = confidential ? client.Secret : null,
            ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = client.DisplayName ?? client.ClientId,
        };
        if (confidential && !app)
        {
            if (string.IsNullOrWhiteSpace(client.Organisation))
            {
                throw new InvalidOperationException($"Security:Clients '{client.ClientId}' has a secret (a system integration) but no Organisation: name the ODS code it acts for.");
            }
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials]);
            descriptor.Properties[OrganisationProperty] = JsonSerializer.SerializeToElement(client.Organisation);
            var scopes = client.Scopes.Count > 0 ? client.Scopes : ["system/*.rs"];
            descriptor.Permissions.UnionWith(scopes.Select(s => Permissions.Prefixes.Scope + s));
        }
        else
        {
            if (!app) throw new InvalidOperationException($"Security:Clients '{client.ClientId}' has neither a secret (a system integration) nor RedirectUris (an app signing people in): give one.");
            descriptor.Permissions.UnionWith([
                Permissions.Scopes.Email,
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile, Permissions.Prefixes.Scope + Scopes.OfflineAccess,
            ]);
            descriptor.Permissions.UnionWith(SmartScopes.Supported.Where(s => !s.StartsWith("system/", StringComparison.Ordinal)).Select(s => Permissions.Prefixes.Scope + s));
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
            foreach (var uri in client.RedirectUris) descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
            foreach (var uri in client.PostLogoutRedirectUris) descriptor.PostLogoutRedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }
        return descriptor;
    }
}

/// <summary>One demo sign-in, as the README and the sign-in page list them.</summary>
public sealed record DemoAccount(string Role, string Email, string Description);

/// <summary>
/// Demo mode only: one sign-in per role for the demo borough, the relationships that make them useful (a caseload, a
/// navigator assignment, a triage, a carer's proxy) and two restricted entries that show the sensitive-record rule.
/// Outside demo mode these users are removed at start-up.
/// </summary>
internal sealed class DemoSecurity(JoinedUpDbContext db, UserManager<JoinedUpUser> users, RoleManager<IdentityRole> roles, RelationshipService relationships, TimeProvider clock)
{
    /// <summary>Shared by every demo account; shown on the sign-in page in demo mode only.</summary>
    public const string Password = "Demo-password-2026";

    public const string DemoPractice = "Z10001";

    public static readonly IReadOnlyList<DemoAccount> Accounts =
    [
        new(Roles.SpaCoordinator, "spa@demo.joinedup.example", "Single point of access coordinator (triage of one open referral)"),
        new(Roles.Clinician, "nurse@demo.joinedup.example", "Community nurse, adult community nursing team (the demo patient is on the caseload)"),
        new(Roles.Clinician, "rehab@demo.joinedup.example", "Physiotherapist, stroke rehabilitation team (a person recovering from a stroke is on the caseload, ready to hand over to community nursing)"),
        new(Roles.CareNavigator, "navigator@demo.joinedup.example", "Care navigator assigned to the demo patient and to the person in stroke rehabilitation"),
        new(Roles.PracticeStaff, "practice@demo.joinedup.example", $"Practice manager at {DemoPractice}"),
        new(Roles.Patient, "patient@demo.joinedup.example", $"A patient registered at {DemoPractice}"),
        new(Roles.Carer, "carer@demo.joinedup.example", "Carer with proxy access granted by the demo patient"),
        new(Roles.Commissioner, "commissioner@demo.joinedup.example", "Commissioner (contract manager)"),
        new(Roles.NetworkLead, "network@demo.joinedup.example", "Network (PCN) lead"),
        new(Roles.ProcurementLead, "procurement@demo.joinedup.example", "Procurement lead"),
        new(Roles.PanelMember, "panel@demo.joinedup.example", "Evaluation panel member"),
        new(Roles.InformationGovernance, "ig@demo.joinedup.example", "Information governance officer"),
        new(Roles.Administrator, "admin@demo.joinedup.example", "Administrator"),
    ];

    public static readonly IReadOnlyList<ClientOptions> Clients =
    [
        new() { ClientId = "joinedup-app", DisplayName = "JoinedUp app (demo)", RedirectUris = ["http://127.0.0.1:5000/app/callback", "http://localhost/app/callback"] },
        new() { ClientId = "demo-gp-system", DisplayName = $"GP system of {DemoPractice} (demo)", Secret = "demo-gp-system-secret", Organisation = DemoPractice, Scopes = ["system/*.rs", "system/*.cruds", "system/Patient.rs"] },
    ];

    public async Task SeedAsync(bool careStory, CancellationToken ct)
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role).ConfigureAwait(false)) Check(await roles.CreateAsync(new IdentityRole(role)).ConfigureAwait(false));
        }
        var practice = await db.Organisations.AsNoTracking().FirstOrDefaultAsync(o => o.OdsCode == DemoPractice, ct).ConfigureAwait(false);
        if (practice is null) return; // no borough loaded: nothing to link the demo users to
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        // The demo patient: an adult of 40 to 80 at the demo practice if there is one (a small borough may have none).
        var candidates = await db.Patients.AsNoTracking()
            .Where(p => p.RegisteredPracticeId == practice.Id && p.NhsNumber != null)
            .OrderBy(p => p.Id).Select(p => new { p.Id, p.BirthDate }).Take(500).ToListAsync(ct).ConfigureAwait(false);
        if (candidates.Count == 0) return;
        var patientId = (candidates.FirstOrDefault(p => p.BirthDate < today.AddYears(-40) && p.BirthDate > today.AddYears(-80)) ?? candidates[0]).Id;
        // The patient in triage: anyone else (the single point of access takes referrals for the whole borough).
        var triagedId = await db.Patients.AsNoTracking().Where(p => p.Id != patientId && p.NhsNumber != null).OrderBy(p => p.Id).Select(p => p.Id).FirstAsync(ct).ConfigureAwait(false);

        var nursingTeam = await TeamAsync("adult-community-nursing", ct).ConfigureAwait(false);
        var spaTeam = await TeamAsync("spa", ct).ConfigureAwait(false);
        async Task<int?> Staff(StaffRole role, int? teamId = null, string? org = null) => await db.Staff.AsNoTracking()
            .Where(s => s.Role == role && (teamId == null || s.Teams.Any(t => t.TeamId == teamId)) && (org == null || s.Organisation!.OdsCode == org))
            .OrderBy(s => s.StaffCode).Select(s => (int?)s.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);

        var strokeTeam = await TeamAsync("stroke-rehab", ct).ConfigureAwait(false);
        // Keyed by role, except the second clinician (stroke rehabilitation), keyed by email.
        var links = new Dictionary<string, (int? Staff, long? Patient)>(StringComparer.Ordinal)
        {
            [Roles.SpaCoordinator] = (await Staff(StaffRole.SpaCoordinator, spaTeam).ConfigureAwait(false), null),
            [Roles.Clinician] = (await Staff(StaffRole.Clinician, nursingTeam).ConfigureAwait(false), null),
            ["rehab@demo.joinedup.example"] = (await Staff(StaffRole.Clinician, strokeTeam).ConfigureAwait(false), null),
            [Roles.CareNavigator] = (await Staff(StaffRole.CareNavigator).ConfigureAwait(false), null),
            [Roles.PracticeStaff] = (await Staff(StaffRole.PracticeStaff, org: DemoPractice).ConfigureAwait(false), null),
            [Roles.Patient] = (null, patientId),
            [Roles.Carer] = (null, null),
            [Roles.Commissioner] = (await Staff(StaffRole.Commissioner).ConfigureAwait(false), null),
            [Roles.NetworkLead] = (await Staff(StaffRole.NetworkLead).ConfigureAwait(false), null),
            [Roles.ProcurementLead] = (await Staff(StaffRole.ProcurementLead).ConfigureAwait(false), null),
            [Roles.PanelMember] = (await Staff(StaffRole.PanelMember).ConfigureAwait(false), null),
            [Roles.InformationGovernance] = (await Staff(StaffRole.InformationGovernanceOfficer).ConfigureAwait(false), null),
            [Roles.Administrator] = (await Staff(StaffRole.Administrator).ConfigureAwait(false), null),
        };
        var created = new Dictionary<string, JoinedUpUser>(StringComparer.Ordinal);
        foreach (var account in Accounts)
        {
            var (staffId, linkedPatient) = links.TryGetValue(account.Email, out var byEmail) ? byEmail : links[account.Role];
            var name = staffId is { } sid
                ? await db.Staff.Where(s => s.Id == sid).Select(s => s.GivenName + " " + s.FamilyName).FirstAsync(ct).ConfigureAwait(false)
                : linkedPatient is { } pid
                    ? await db.Patients.Where(p => p.Id == pid).Select(p => p.GivenName + " " + p.FamilyName).FirstAsync(ct).ConfigureAwait(false)
                    : "Demo carer";
            var user = await users.FindByEmailAsync(account.Email).ConfigureAwait(false);
            if (user is null)
            {
                user = new JoinedUpUser { UserName = account.Email, Email = account.Email, EmailConfirmed = true, DisplayName = name, IsDemo = true };
                Check(await users.CreateAsync(user, Password).ConfigureAwait(false));
            }
            user.DisplayName = name;
            user.StaffMemberId = staffId;
            user.PatientId = linkedPatient;
            user.IsDemo = true;
            Check(await users.UpdateAsync(user).ConfigureAwait(false));
            if (!await users.IsInRoleAsync(user, account.Role).ConfigureAwait(false)) Check(await users.AddToRoleAsync(user, account.Role).ConfigureAwait(false));
            created[account.Role] = user;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (nursingTeam is { } nt) await relationships.StartAsync(patientId, RelationshipKind.Caseload, nt, null, "demo: accepted referral", ct).ConfigureAwait(false);
        if (links[Roles.CareNavigator].Staff is { } nav) await relationships.StartAsync(patientId, RelationshipKind.Navigator, null, nav, "demo: navigator assigned", ct).ConfigureAwait(false);
        if (spaTeam is { } st) await relationships.StartAsync(triagedId, RelationshipKind.Triage, st, null, "demo: open referral in triage", ct).ConfigureAwait(false);
        var carerId = created[Roles.Carer].Id;
        if (!await db.CarerProxies.AnyAsync(p => p.PatientId == patientId && p.CarerUserId == carerId && p.WithdrawnAt == null, ct).ConfigureAwait(false))
        {
            db.CarerProxies.Add(new CarerProxy { PatientId = patientId, CarerUserId = carerId, GrantedAt = now, GrantedByUserId = created[Roles.Patient].Id });
        }
        await AddRestrictedEntriesAsync(patientId, now, ct).ConfigureAwait(false);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await AddReferralsAsync(triagedId, spaTeam, now, ct).ConfigureAwait(false);
        if (!careStory) return;
        var rehabPatient = candidates.Where(p => p.Id != patientId && p.BirthDate < today.AddYears(-50) && p.BirthDate > today.AddYears(-85)).Select(p => (long?)p.Id).FirstOrDefault();
        await JoinedUp.Web.Care.DemoCare.SeedAsync(db, patientId, rehabPatient, nursingTeam, strokeTeam, links[Roles.CareNavigator].Staff, now, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A morning's worth of referrals for the coordinator's worklist: different sources and urgencies, one past its
    /// time, one linked duplicate and one self-referral still to be matched. Added once, when there are none.
    /// </summary>
    private async Task AddReferralsAsync(long triagedId, int? spaTeam, DateTime now, CancellationToken ct)
    {
        // The generated borough has three years of referrals, all triaged: the morning's worklist is added when no referral waits for triage or a match.
        if (spaTeam is null || await db.Referrals.AnyAsync(r => r.Status == ReferralStatus.Received || r.PatientId == null, ct).ConfigureAwait(false)) return;
        var people = await db.Patients.AsNoTracking().Where(p => p.NhsNumber != null && p.Id != triagedId && p.RegisteredPractice!.OdsCode != DemoPractice)
            .OrderBy(p => p.Id).Skip(10).Take(6).Select(p => new { p.Id, p.GivenName, p.FamilyName, p.BirthDate, p.NhsNumber, p.Postcode }).ToListAsync(ct).ConfigureAwait(false);
        var triaged = await db.Patients.AsNoTracking().Where(p => p.Id == triagedId).Select(p => new { p.Id, p.GivenName, p.FamilyName, p.BirthDate, p.NhsNumber, p.Postcode }).FirstAsync(ct).ConfigureAwait(false);
        people.Insert(0, triaged);
        var services = await db.Services.AsNoTracking().ToDictionaryAsync(s => s.Code, s => s.Id, ct).ConfigureAwait(false);
        (ReferralSource Source, string Reason, JoinedUp.Access.Urgency Urgency, string? Service, double HoursAgo, string Referrer)[] plan =
        [
            (ReferralSource.Gp, "Leg ulcer not healing after 6 weeks; lives alone and struggles with her toenails.", JoinedUp.Access.Urgency.Routine, null, 3, "Dr A Rahman (GP)"),
            (ReferralSource.HospitalDischarge, "Discharged today after a stroke; needs early supported discharge and help at home.", JoinedUp.Access.Urgency.Within2Days, "stroke-rehab", 20, "Ward 7, Riverside Hospital"),
            (ReferralSource.Carer, "Fell twice this week and could not get up; daughter worried, no carer at night.", JoinedUp.Access.Urgency.Within2Hours, null, 1.2, "Daughter (by phone)"),
            (ReferralSource.SocialCare, "Housebound, needs insulin injections twice a day; carers cannot give them.", JoinedUp.Access.Urgency.Within2Days, "adult-community-nursing", 30, "Adult social care duty team"),
            (ReferralSource.CommunityService, "Low mood since diagnosis of diabetes, struggling to cope.", JoinedUp.Access.Urgency.Routine, null, 50, "Community diabetes team"),
            (ReferralSource.Gp, "Hearing loss getting worse, family say the TV is very loud.", JoinedUp.Access.Urgency.Routine, null, 6, "Dr B Okafor (GP)"),
            (ReferralSource.Gp, "Diabetic foot check overdue; numbness in both feet.", JoinedUp.Access.Urgency.Routine, "foot-health", 2, "Dr A Rahman (GP)"),
        ];
        for (var i = 0; i < Math.Min(plan.Length, people.Count); i++)
        {
            var (source, reason, urgency, service, hoursAgo, referrer) = plan[i];
            var person = people[i];
            var received = now.AddHours(-hoursAgo);
            db.Referrals.Add(new Referral
            {
                Reference = ReferralIntake.NewReference(), PatientId = person.Id, Source = source, GivenName = person.GivenName, FamilyName = person.FamilyName,
                BirthDate = person.BirthDate, NhsNumber = person.NhsNumber, Postcode = person.Postcode, Reason = reason, RequestedServiceId = service is null ? null : services[service],
                Urgency = urgency, RequestedUrgency = urgency, Status = ReferralStatus.Received, ReceivedAt = received, ReferrerName = referrer, LastUpdated = received,
                OpenKey = $"{person.Id}:{service ?? "spa"}", InterpreterNeeded = i == 4, Language = i == 4 ? "bn" : null,
            });
            if (i > 0) db.CareRelationships.Add(new CareRelationship { PatientId = person.Id, Kind = RelationshipKind.Triage, TeamId = spaTeam, StartedAt = received, Source = "demo: referral in triage" });
        }
        // A self-referral from the public form, not yet matched to a record.
        db.Referrals.Add(new Referral
        {
            Reference = ReferralIntake.NewReference(), Source = ReferralSource.Self, GivenName = "Joan", FamilyName = "Whitfield", BirthDate = new DateOnly(1941, 5, 2),
            Postcode = "E3 4QT", Phone = "07700 900123", Reason = "My feet are very painful and I cannot cut my toenails any more.", Urgency = JoinedUp.Access.Urgency.Routine,
            Status = ReferralStatus.Received, ReceivedAt = now.AddHours(-4), ReferrerName = "Self-referral", ReferrerContact = "07700 900123", LastUpdated = now.AddHours(-4),
        });
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Removes demo sign-ins: run when the app starts outside demo mode.</summary>
    public static async Task<int> RemoveAsync(JoinedUpDbContext db, CancellationToken ct) =>
        await db.Users.Where(u => u.IsDemo).ExecuteDeleteAsync(ct).ConfigureAwait(false);

    private async Task AddRestrictedEntriesAsync(long patientId, DateTime now, CancellationToken ct)
    {
        var psychology = await db.Services.Where(s => s.Code == "adult-psychology").Select(s => (int?)s.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        var safeguarding = await db.Services.Where(s => s.Code == "children-safeguarding").Select(s => (int?)s.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (psychology is { } ps && !await db.Conditions.AnyAsync(c => c.PatientId == patientId && c.Confidential, ct).ConfigureAwait(false))
        {
            db.Conditions.Add(new Condition
            {
                PatientId = patientId, Code = "197480006", Display = "Anxiety disorder", OnsetDate = DateOnly.FromDateTime(now.AddMonths(-5)),
                RecordedByServiceId = ps, Confidential = true, LastUpdated = now,
            });
        }
        if (safeguarding is { } sg && !await db.Encounters.AnyAsync(e => e.PatientId == patientId && e.RecordedByServiceId == sg, ct).ConfigureAwait(false))
        {
            db.Encounters.Add(new Encounter
            {
                PatientId = patientId, ServiceId = sg, RecordedByServiceId = sg, Class = EncounterClass.Home, TypeCode = "11429006",
                StartAt = now.AddMonths(-2), EndAt = now.AddMonths(-2).AddHours(1), LastUpdated = now,
            });
        }
    }

    private async Task<int?> TeamAsync(string serviceCode, CancellationToken ct) =>
        await db.Teams.Where(t => t.Service!.Code == serviceCode).OrderBy(t => t.Id).Select(t => (int?)t.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded) throw new InvalidOperationException("Demo sign-in setup failed: " + string.Join("; ", result.Errors.Select(e => e.Description)));
    }
}
