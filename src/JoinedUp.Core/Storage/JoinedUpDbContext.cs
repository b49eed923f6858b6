using System.Text;
using JoinedUp.Access;
using JoinedUp.Care;
using JoinedUp.Directory;
using JoinedUp.Outcomes.Experience;
using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Storage;

/// <summary>
/// The relational model, the source of truth. Tables and columns are snake_case on every provider so that
/// hand-written, set-based SQL (outcome measures, bulk loads) reads the same on SQLite and PostgreSQL.
/// Use <see cref="SqliteJoinedUpDbContext"/> or <see cref="PostgresJoinedUpDbContext"/>; each carries its own migrations.
/// </summary>
public abstract class JoinedUpDbContext(DbContextOptions options) : IdentityDbContext<JoinedUpUser>(options)
{
    public DbSet<Organisation> Organisations => Set<Organisation>();
    public DbSet<Network> Networks => Set<Network>();
    public DbSet<Service> Services => Set<Service>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<StaffMember> Staff => Set<StaffMember>();
    public DbSet<TeamMembership> TeamMemberships => Set<TeamMembership>();

    public DbSet<Patient> Patients => Set<Patient>();
    public DbSet<Carer> Carers => Set<Carer>();
    public DbSet<Condition> Conditions => Set<Condition>();
    public DbSet<Observation> Observations => Set<Observation>();
    public DbSet<Encounter> Encounters => Set<Encounter>();
    public DbSet<Immunisation> Immunisations => Set<Immunisation>();
    public DbSet<MedicationStatement> MedicationStatements => Set<MedicationStatement>();
    public DbSet<AllergyIntolerance> Allergies => Set<AllergyIntolerance>();
    public DbSet<Procedure> Procedures => Set<Procedure>();

    public DbSet<ResourceVersion> ResourceVersions => Set<ResourceVersion>();
    public DbSet<ResourceIdentifier> ResourceIdentifiers => Set<ResourceIdentifier>();
    public DbSet<ImportCheckpoint> ImportCheckpoints => Set<ImportCheckpoint>();

    public DbSet<CareRelationship> CareRelationships => Set<CareRelationship>();
    public DbSet<CarerProxy> CarerProxies => Set<CarerProxy>();
    public DbSet<BreakGlassAccess> BreakGlassAccesses => Set<BreakGlassAccess>();
    public DbSet<ConsentDecision> ConsentDecisions => Set<ConsentDecision>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<Referral> Referrals => Set<Referral>();
    public DbSet<ReferralRoute> ReferralRoutes => Set<ReferralRoute>();
    public DbSet<Episode> Episodes => Set<Episode>();
    public DbSet<Assessment> Assessments => Set<Assessment>();
    public DbSet<TriageRuleVersion> TriageRuleVersions => Set<TriageRuleVersion>();
    public DbSet<ReferralAttachment> ReferralAttachments => Set<ReferralAttachment>();

    public DbSet<CarePlan> CarePlans => Set<CarePlan>();
    public DbSet<Goal> Goals => Set<Goal>();
    public DbSet<CarePlanActivity> CarePlanActivities => Set<CarePlanActivity>();
    public DbSet<CarePlanChange> CarePlanChanges => Set<CarePlanChange>();
    public DbSet<CareTask> CareTasks => Set<CareTask>();
    public DbSet<GoalComment> GoalComments => Set<GoalComment>();

    public DbSet<Outcomes.Measures.ValueSetCodeRow> ValueSetCodes => Set<Outcomes.Measures.ValueSetCodeRow>();
    public DbSet<Outcomes.Measures.CalendarDay> CalendarDays => Set<Outcomes.Measures.CalendarDay>();
    public DbSet<Outcomes.Measures.MeasureDefinitionRecord> MeasureDefinitions => Set<Outcomes.Measures.MeasureDefinitionRecord>();
    public DbSet<Outcomes.Measures.MeasureRun> MeasureRuns => Set<Outcomes.Measures.MeasureRun>();
    public DbSet<Outcomes.Measures.MeasureRunResult> MeasureResults => Set<Outcomes.Measures.MeasureRunResult>();
    public DbSet<ExperienceInvitation> ExperienceInvitations => Set<ExperienceInvitation>();
    public DbSet<ExperienceResponse> ExperienceResponses => Set<ExperienceResponse>();
    public DbSet<ExperienceAnswer> ExperienceAnswers => Set<ExperienceAnswer>();
    public DbSet<ExperienceWatermark> ExperienceWatermarks => Set<ExperienceWatermark>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();
        ConfigureDirectory(builder);
        ConfigureRecord(builder);
        ConfigureSecurity(builder);
        ConfigureResourceVersions(builder);
        ConfigureIdentifiers(builder);
        ConfigureAccess(builder);
        ConfigureCare(builder);
        ConfigureOutcomes(builder);
        ConfigureExperience(builder);
        ApplySnakeCase(builder);
    }

    private static void ConfigureDirectory(ModelBuilder b)
    {
        b.Entity<Network>(e =>
        {
            e.ToTable("network");
            e.HasIndex(x => x.Code).IsUnique();
            e.Property(x => x.Code).HasMaxLength(16);
            e.Property(x => x.Name).HasMaxLength(200);
            e.HasMany(x => x.Practices).WithOne(x => x.Network).HasForeignKey(x => x.NetworkId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<Organisation>(e =>
        {
            e.ToTable("organisation");
            e.HasIndex(x => x.OdsCode).IsUnique();
            e.Property(x => x.OdsCode).HasMaxLength(16);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Postcode).HasMaxLength(10);
        });
        b.Entity<Service>(e =>
        {
            e.ToTable("service");
            e.HasIndex(x => x.Code).IsUnique();
            e.Property(x => x.Code).HasMaxLength(64);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Description).HasMaxLength(2000);
            e.HasOne(x => x.Provider).WithMany().HasForeignKey(x => x.ProviderOrganisationId).OnDelete(DeleteBehavior.Restrict);
            // A plain list of codes; stored as one space-separated column on every provider.
            e.Property(x => x.EligibleConditionCodes)
                .HasConversion(
                    v => string.Join(' ', v),
                    v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList(),
                    new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<List<string>>(
                        (l, r) => l!.SequenceEqual(r!),
                        v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode(StringComparison.Ordinal))),
                        v => v.ToList()))
                .HasMaxLength(1000);
        });
        b.Entity<Team>(e =>
        {
            e.ToTable("team");
            e.HasIndex(x => x.Code).IsUnique();
            e.Property(x => x.Code).HasMaxLength(64);
            e.Property(x => x.Name).HasMaxLength(200);
            e.HasOne(x => x.Service).WithMany().HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(x => x.Organisation).WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<StaffMember>(e =>
        {
            e.ToTable("staff_member");
            e.HasIndex(x => x.StaffCode).IsUnique();
            e.HasIndex(x => x.Email).IsUnique();
            e.Property(x => x.StaffCode).HasMaxLength(32);
            e.Property(x => x.Email).HasMaxLength(254);
            e.Property(x => x.GivenName).HasMaxLength(100);
            e.Property(x => x.FamilyName).HasMaxLength(100);
            e.Property(x => x.Profession).HasMaxLength(100);
            e.HasOne(x => x.Organisation).WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<TeamMembership>(e =>
        {
            e.ToTable("team_membership");
            e.HasKey(x => new { x.TeamId, x.StaffMemberId });
            e.HasOne(x => x.Team).WithMany(x => x.Members).HasForeignKey(x => x.TeamId);
            e.HasOne(x => x.StaffMember).WithMany(x => x.Teams).HasForeignKey(x => x.StaffMemberId);
        });
    }

    private static void ConfigureRecord(ModelBuilder b)
    {
        b.Entity<Patient>(e =>
        {
            e.ToTable("patient");
            e.Property(x => x.Id).ValueGeneratedOnAdd();
            // Unique where present: two records can never share an NHS number; many may have none.
            e.HasIndex(x => x.NhsNumber).IsUnique().HasFilter("nhs_number IS NOT NULL");
            e.HasIndex(x => x.LocalIdentifier).IsUnique();
            e.HasIndex(x => x.RegisteredPracticeId);
            e.HasIndex(x => new { x.FamilyName, x.GivenName });
            e.Property(x => x.NhsNumber).HasMaxLength(10).IsFixedLength(false);
            e.Property(x => x.LocalIdentifier).HasMaxLength(32);
            e.Property(x => x.GivenName).HasMaxLength(100);
            e.Property(x => x.FamilyName).HasMaxLength(100);
            e.Property(x => x.Postcode).HasMaxLength(10);
            e.Property(x => x.PreferredLanguage).HasMaxLength(8);
            e.Property(x => x.VersionId).IsConcurrencyToken();
            e.Property(x => x.SharingDissent).HasDefaultValue(false).ValueGeneratedNever();
            e.Property(x => x.NationalOptOut).HasDefaultValue(false).ValueGeneratedNever();
            e.Ignore(x => x.HasNoNhsNumber);
            e.HasOne(x => x.RegisteredPractice).WithMany().HasForeignKey(x => x.RegisteredPracticeId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(x => x.Carers).WithOne().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Carer>(e =>
        {
            e.ToTable("carer");
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Relationship).HasMaxLength(50);
            e.Property(x => x.Phone).HasMaxLength(32);
            e.HasOne<Patient>().WithMany().HasForeignKey(x => x.CarerPatientId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<Condition>(e =>
        {
            e.Property(x => x.CodeSystem).HasMaxLength(200);
            e.ToTable("condition");
            ConfigureClinical(e);
            e.HasIndex(x => new { x.Code, x.PatientId });
            e.Property(x => x.Code).HasMaxLength(64);
            e.Property(x => x.Display).HasMaxLength(500);
            e.HasOne<Directory.Organisation>().WithMany().HasForeignKey(x => x.RecordedByOrganisationId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<Observation>(e =>
        {
            e.Property(x => x.CodeSystem).HasMaxLength(200);
            e.ToTable("observation");
            ConfigureClinical(e);
            e.HasIndex(x => new { x.Code, x.EffectiveAt });
            // Outcome measures: a person's latest reading of a code, read from the index alone (ADR 0006 3.4).
            e.HasIndex(x => new { x.Code, x.PatientId, x.EffectiveAt, x.Status, x.Value, x.SecondaryValue, x.Unit });
            e.Property(x => x.Code).HasMaxLength(64);
            e.Property(x => x.Display).HasMaxLength(500);
            e.Property(x => x.Unit).HasMaxLength(32);
            e.HasOne<Encounter>().WithMany().HasForeignKey(x => x.EncounterId).OnDelete(DeleteBehavior.SetNull);
        });
        b.Entity<Encounter>(e =>
        {
            e.ToTable("encounter");
            ConfigureClinical(e);
            // Outcome measures: a person's emergency admissions in a period; qualifying visits of a type in a period.
            e.HasIndex(x => new { x.PatientId, x.Class, x.StartAt });
            e.HasIndex(x => new { x.TypeCode, x.StartAt, x.PatientId, x.Status });
            e.Property(x => x.TypeCode).HasMaxLength(64);
            e.Property(x => x.ReasonCode).HasMaxLength(64);
            e.HasOne<Directory.Organisation>().WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Directory.Service>().WithMany().HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<Immunisation>(e =>
        {
            e.Property(x => x.CodeSystem).HasMaxLength(200);
            e.ToTable("immunisation");
            ConfigureClinical(e);
            e.HasIndex(x => new { x.VaccineCode, x.PatientId });
            e.Property(x => x.VaccineCode).HasMaxLength(64);
            e.Property(x => x.Display).HasMaxLength(500);
            e.HasOne<Directory.Organisation>().WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<MedicationStatement>(e =>
        {
            e.Property(x => x.CodeSystem).HasMaxLength(200);
            e.ToTable("medication_statement");
            ConfigureClinical(e);
            e.Property(x => x.Code).HasMaxLength(64);
            e.Property(x => x.Display).HasMaxLength(500);
            e.Property(x => x.Dosage).HasMaxLength(500);
        });
        b.Entity<AllergyIntolerance>(e =>
        {
            e.ToTable("allergy_intolerance");
            ConfigureClinical(e);
            e.Property(x => x.CodeSystem).HasMaxLength(200);
            e.Property(x => x.Code).HasMaxLength(64);
            e.Property(x => x.Display).HasMaxLength(500);
            e.Property(x => x.Criticality).HasMaxLength(32);
            e.Property(x => x.Category).HasMaxLength(32);
        });
        b.Entity<Procedure>(e =>
        {
            e.ToTable("procedure");
            ConfigureClinical(e);
            e.HasIndex(x => new { x.Code, x.PatientId });
            e.Property(x => x.CodeSystem).HasMaxLength(200);
            e.Property(x => x.Code).HasMaxLength(64);
            e.Property(x => x.Display).HasMaxLength(500);
            e.HasOne<Encounter>().WithMany().HasForeignKey(x => x.EncounterId).OnDelete(DeleteBehavior.SetNull);
        });
    }

    private static void ConfigureClinical<T>(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<T> e)
        where T : ClinicalEntry
    {
        e.Property(x => x.Id).ValueGeneratedOnAdd();
        e.Property(x => x.VersionId).IsConcurrencyToken();
        e.HasIndex(x => x.PatientId);
        e.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Cascade);
        // Security label: bulk loads that leave these out get "not restricted".
        e.Property(x => x.Confidential).HasDefaultValue(false).ValueGeneratedNever();
        e.HasOne<Directory.Service>().WithMany().HasForeignKey(x => x.RecordedByServiceId).OnDelete(DeleteBehavior.Restrict);
    }

    private static void ConfigureResourceVersions(ModelBuilder b) => b.Entity<ResourceVersion>(e =>
    {
        e.ToTable("resource_version");
        e.HasIndex(x => new { x.ResourceType, x.ResourceId, x.VersionId }).IsUnique();
        e.Property(x => x.ResourceType).HasMaxLength(64);
        e.Property(x => x.Method).HasMaxLength(16);
    });

    private static void ConfigureIdentifiers(ModelBuilder b)
    {
        b.Entity<ResourceIdentifier>(e =>
        {
            e.ToTable("resource_identifier");
            // The guarantee behind conditional create and resumable import: one resource per type, system and value.
            e.HasIndex(x => new { x.System, x.Value, x.ResourceType }).IsUnique();
            e.HasIndex(x => new { x.ResourceType, x.ResourceId });
            e.Property(x => x.ResourceType).HasMaxLength(64);
            e.Property(x => x.System).HasMaxLength(200);
            e.Property(x => x.Value).HasMaxLength(200);
        });
        b.Entity<ImportCheckpoint>(e =>
        {
            e.ToTable("import_checkpoint");
            e.HasIndex(x => x.FileHash).IsUnique();
            e.Property(x => x.FileHash).HasMaxLength(64);
            e.Property(x => x.FileName).HasMaxLength(260);
        });
    }

    private static void ConfigureSecurity(ModelBuilder b)
    {
        // Identity and OpenIddict tables, named like the rest.
        b.Entity<JoinedUpUser>(e =>
        {
            e.ToTable("app_user");
            e.Property(x => x.DisplayName).HasMaxLength(200);
            e.Property(x => x.OrganisationCode).HasMaxLength(16);
            e.HasIndex(x => x.PatientId);
            e.HasIndex(x => x.StaffMemberId);
        });
        b.Entity<Microsoft.AspNetCore.Identity.IdentityRole>().ToTable("app_role");
        b.Entity<Microsoft.AspNetCore.Identity.IdentityUserRole<string>>().ToTable("app_user_role");
        b.Entity<Microsoft.AspNetCore.Identity.IdentityUserClaim<string>>().ToTable("app_user_claim");
        b.Entity<Microsoft.AspNetCore.Identity.IdentityUserLogin<string>>().ToTable("app_user_login");
        b.Entity<Microsoft.AspNetCore.Identity.IdentityUserToken<string>>().ToTable("app_user_token");
        b.Entity<Microsoft.AspNetCore.Identity.IdentityRoleClaim<string>>().ToTable("app_role_claim");
        b.Entity<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>().ToTable("oidc_application");
        b.Entity<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreAuthorization>().ToTable("oidc_authorization");
        b.Entity<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreScope>().ToTable("oidc_scope");
        b.Entity<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken>().ToTable("oidc_token");

        b.Entity<CareRelationship>(e =>
        {
            e.ToTable("care_relationship");
            e.HasIndex(x => new { x.PatientId, x.EndedAt });
            e.HasIndex(x => new { x.TeamId, x.EndedAt });
            e.HasIndex(x => new { x.StaffMemberId, x.EndedAt });
            // Care worklists (Care/Worklists.cs): a team's caseload and a navigator's people, read from the index alone.
            e.HasIndex(x => new { x.TeamId, x.Kind, x.EndedAt, x.PatientId });
            e.HasIndex(x => new { x.StaffMemberId, x.Kind, x.EndedAt, x.PatientId, x.StartedAt });
            e.Property(x => x.Source).HasMaxLength(200);
            e.Property(x => x.EndReason).HasMaxLength(200);
            e.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Team>().WithMany().HasForeignKey(x => x.TeamId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<StaffMember>().WithMany().HasForeignKey(x => x.StaffMemberId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<CarerProxy>(e =>
        {
            e.ToTable("carer_proxy");
            e.HasIndex(x => new { x.PatientId, x.CarerUserId });
            e.HasIndex(x => x.CarerUserId);
            e.Property(x => x.CarerUserId).HasMaxLength(64);
            e.Property(x => x.GrantedByUserId).HasMaxLength(64);
            e.Property(x => x.WithdrawnByUserId).HasMaxLength(64);
            e.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<BreakGlassAccess>(e =>
        {
            e.ToTable("break_glass_access");
            e.HasIndex(x => new { x.PatientId, x.UserId, x.ExpiresAt });
            e.HasIndex(x => x.ReviewedAt);
            e.Property(x => x.UserId).HasMaxLength(64);
            e.Property(x => x.UserName).HasMaxLength(200);
            e.Property(x => x.Role).HasMaxLength(32);
            e.Property(x => x.OrganisationCode).HasMaxLength(16);
            e.Property(x => x.Reason).HasMaxLength(1000);
            e.Property(x => x.ReviewedByUserId).HasMaxLength(64);
            e.Property(x => x.ReviewNote).HasMaxLength(1000);
            e.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ConsentDecision>(e =>
        {
            e.ToTable("consent_decision");
            e.HasIndex(x => new { x.PatientId, x.RecordedAt });
            e.Property(x => x.RecordedByUserId).HasMaxLength(64);
            e.Property(x => x.RecordedByName).HasMaxLength(200);
            e.Property(x => x.Note).HasMaxLength(1000);
            e.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<AuditEntry>(e =>
        {
            // No foreign keys: the trail outlives what it describes, and nothing may cascade into it.
            e.ToTable("audit_entry");
            e.Property(x => x.Id).ValueGeneratedOnAdd();
            e.HasIndex(x => new { x.PatientId, x.At });
            e.HasIndex(x => new { x.UserId, x.At });
            e.HasIndex(x => x.At);
            e.Property(x => x.UserId).HasMaxLength(64);
            e.Property(x => x.UserName).HasMaxLength(200);
            e.Property(x => x.Role).HasMaxLength(32);
            e.Property(x => x.OrganisationCode).HasMaxLength(16);
            e.Property(x => x.ClientId).HasMaxLength(100);
            e.Property(x => x.Action).HasMaxLength(64);
            e.Property(x => x.Resource).HasMaxLength(300);
            e.Property(x => x.Outcome).HasMaxLength(32);
            e.Property(x => x.Basis).HasMaxLength(1200);
            e.Property(x => x.Detail).HasMaxLength(1000);
            e.Property(x => x.PreviousHash).HasMaxLength(64);
            e.Property(x => x.Hash).HasMaxLength(64);
            e.Property(x => x.Keyed).HasDefaultValue(false).ValueGeneratedNever();
        });
    }

    private static void ConfigureAccess(ModelBuilder b)
    {
        b.Entity<Referral>(e =>
        {
            e.ToTable("referral");
            e.Property(x => x.Id).ValueGeneratedOnAdd();
            e.HasIndex(x => x.Reference).IsUnique();
            // A retried submission finds its referral; two racing ones cannot both insert.
            e.HasIndex(x => new { x.IdempotencyOwner, x.IdempotencyKey }).IsUnique().HasFilter("idempotency_key IS NOT NULL");
            // One primary open referral per person and service; later ones are linked to it.
            e.HasIndex(x => x.OpenKey).IsUnique().HasFilter("open_key IS NOT NULL");
            e.HasIndex(x => new { x.Status, x.ReceivedAt });
            e.HasIndex(x => new { x.PatientId, x.Status });
            e.HasIndex(x => new { x.ReferrerUserId, x.ReceivedAt });
            e.Property(x => x.Reference).HasMaxLength(12);
            e.Property(x => x.GivenName).HasMaxLength(100);
            e.Property(x => x.FamilyName).HasMaxLength(100);
            e.Property(x => x.NhsNumber).HasMaxLength(10);
            e.Property(x => x.Postcode).HasMaxLength(10);
            e.Property(x => x.Phone).HasMaxLength(32);
            e.Property(x => x.Email).HasMaxLength(254);
            e.Property(x => x.Reason).HasMaxLength(4000);
            e.Property(x => x.ReasonCode).HasMaxLength(64);
            e.Property(x => x.Language).HasMaxLength(8);
            e.Property(x => x.OpenKey).HasMaxLength(64);
            e.Property(x => x.ReferrerUserId).HasMaxLength(64);
            e.Property(x => x.ReferrerName).HasMaxLength(200);
            e.Property(x => x.ReferrerOrganisationCode).HasMaxLength(16);
            e.Property(x => x.ReferrerClientId).HasMaxLength(100);
            e.Property(x => x.ReferrerContact).HasMaxLength(254);
            e.Property(x => x.IdempotencyKey).HasMaxLength(200);
            e.Property(x => x.IdempotencyOwner).HasMaxLength(100);
            e.Property(x => x.RequestHash).HasMaxLength(64);
            e.Property(x => x.TriagedByUserId).HasMaxLength(64);
            e.Property(x => x.TriagedByName).HasMaxLength(200);
            e.Property(x => x.OverrideReason).HasMaxLength(1000);
            e.Property(x => x.TriageNote).HasMaxLength(2000);
            e.Property(x => x.DeclineReason).HasMaxLength(1000);
            e.Property(x => x.VersionId).IsConcurrencyToken();
            e.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Service>().WithMany().HasForeignKey(x => x.RequestedServiceId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Episode>().WithMany().HasForeignKey(x => x.EpisodeId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Referral>().WithMany().HasForeignKey(x => x.LinkedReferralId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<ReferralRoute>(e =>
        {
            e.ToTable("referral_route");
            e.HasIndex(x => new { x.ReferralId, x.ServiceId }).IsUnique();
            e.HasIndex(x => new { x.TeamId, x.Status });
            e.HasIndex(x => new { x.ServiceId, x.Status });
            e.Property(x => x.Reason).HasMaxLength(1000);
            e.Property(x => x.AcceptedByName).HasMaxLength(200);
            e.Property(x => x.DeclineReason).HasMaxLength(1000);
            e.Property(x => x.VersionId).IsConcurrencyToken();
            e.HasOne(x => x.Referral).WithMany().HasForeignKey(x => x.ReferralId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Service>().WithMany().HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Team>().WithMany().HasForeignKey(x => x.TeamId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<Episode>(e =>
        {
            e.ToTable("episode");
            e.HasIndex(x => new { x.PatientId, x.ClosedAt });
            e.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Assessment>(e =>
        {
            e.ToTable("assessment");
            // Tell us once: one holistic assessment per episode, one section per service.
            e.HasIndex(x => new { x.EpisodeId, x.Scope }).IsUnique();
            e.HasIndex(x => x.PatientId);
            e.Property(x => x.Scope).HasMaxLength(64);
            e.Property(x => x.Questionnaire).HasMaxLength(200);
            e.Property(x => x.AuthorName).HasMaxLength(200);
            e.Property(x => x.AuthorUserId).HasMaxLength(64);
            e.Property(x => x.VersionId).IsConcurrencyToken();
            e.HasOne<Episode>().WithMany().HasForeignKey(x => x.EpisodeId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ReferralAttachment>(e =>
        {
            e.ToTable("referral_attachment");
            e.HasIndex(x => x.ReferralId);
            e.Property(x => x.FileName).HasMaxLength(200);
            e.Property(x => x.ContentType).HasMaxLength(100);
            e.HasOne(x => x.Referral).WithMany().HasForeignKey(x => x.ReferralId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<TriageRuleVersion>(e =>
        {
            e.ToTable("triage_rule_version");
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.CreatedByName).HasMaxLength(200);
            e.Property(x => x.CreatedByUserId).HasMaxLength(64);
            e.Property(x => x.Note).HasMaxLength(1000);
        });
    }

    private static void ConfigureCare(ModelBuilder b)
    {
        b.Entity<CarePlan>(e =>
        {
            e.ToTable("care_plan");
            // One plan per person per episode.
            e.HasIndex(x => x.EpisodeId).IsUnique();
            // Covering for the caseload worklist's plan review date.
            e.HasIndex(x => new { x.PatientId, x.Status, x.ReviewDue });
            // Plans due for review, covering (the caseload worklist's review count and filter).
            e.HasIndex(x => new { x.ReviewDue, x.Status, x.PatientId });
            e.Property(x => x.Title).HasMaxLength(200);
            e.Property(x => x.AgreedByName).HasMaxLength(200);
            e.Property(x => x.AgreementNote).HasMaxLength(500);
            e.Property(x => x.LastUpdatedBy).HasMaxLength(200);
            e.Property(x => x.VersionId).IsConcurrencyToken();
            e.HasOne<Record.Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Episode>().WithMany().HasForeignKey(x => x.EpisodeId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Goal>(e =>
        {
            e.ToTable("goal");
            e.HasIndex(x => x.CarePlanId);
            e.Property(x => x.Description).HasMaxLength(500);
            e.Property(x => x.Measure).HasMaxLength(500);
            e.Property(x => x.LastUpdatedBy).HasMaxLength(200);
            e.Property(x => x.VersionId).IsConcurrencyToken();
            e.HasOne<CarePlan>().WithMany().HasForeignKey(x => x.CarePlanId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Service>().WithMany().HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<CarePlanActivity>(e =>
        {
            e.ToTable("care_plan_activity");
            // Covering for the caseload worklist's next activity owned by the team.
            e.HasIndex(x => new { x.CarePlanId, x.OwnerTeamId, x.Status, x.Due });
            // A team's open activities in due order, with their plan (caseload worklist candidates and counts).
            e.HasIndex(x => new { x.OwnerTeamId, x.Status, x.Due, x.CarePlanId });
            e.Property(x => x.Description).HasMaxLength(500);
            e.Property(x => x.LastUpdatedBy).HasMaxLength(200);
            e.Property(x => x.VersionId).IsConcurrencyToken();
            e.HasOne<CarePlan>().WithMany().HasForeignKey(x => x.CarePlanId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Goal>().WithMany().HasForeignKey(x => x.GoalId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<Team>().WithMany().HasForeignKey(x => x.OwnerTeamId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<StaffMember>().WithMany().HasForeignKey(x => x.OwnerStaffMemberId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<CareTask>(e =>
        {
            e.ToTable("care_task");
            // The receiving team's worklist, the navigator's and the escalation job's.
            // Also covering for the team lead's counts (one pass over a team's open tasks) and list (Care/Worklists.cs).
            e.HasIndex(x => new { x.ToTeamId, x.Status, x.DueAt, x.Kind, x.EscalationLevel, x.PatientId });
            e.HasIndex(x => new { x.Status, x.DueAt });
            e.HasIndex(x => new { x.PatientId, x.Status });
            // Care worklists: per person, the team's next open task (caseload) and overdue hand-overs and follow-ups
            // and the last hand-over accepted or task completed (navigator).
            e.HasIndex(x => new { x.PatientId, x.ToTeamId, x.Status, x.Kind, x.DueAt });
            e.HasIndex(x => new { x.PatientId, x.Kind, x.Status, x.DueAt, x.AcceptedAt, x.CompletedAt });
            e.Property(x => x.Description).HasMaxLength(1000);
            e.Property(x => x.CreatedByName).HasMaxLength(200);
            e.Property(x => x.AcceptedByName).HasMaxLength(200);
            e.Property(x => x.CompletedByName).HasMaxLength(200);
            e.Property(x => x.RejectionReason).HasMaxLength(1000);
            e.Property(x => x.VersionId).IsConcurrencyToken();
            e.HasOne<Record.Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Episode>().WithMany().HasForeignKey(x => x.EpisodeId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Team>().WithMany().HasForeignKey(x => x.FromTeamId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Team>().WithMany().HasForeignKey(x => x.ToTeamId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<CarePlanChange>(e =>
        {
            e.ToTable("care_plan_change");
            e.HasIndex(x => new { x.CarePlanId, x.Id });
            // The navigator's "last contact": the latest change to the person's plan.
            e.HasIndex(x => new { x.CarePlanId, x.At });
            e.Property(x => x.ItemKind).HasMaxLength(16);
            e.Property(x => x.ByName).HasMaxLength(200);
            e.Property(x => x.ByUserId).HasMaxLength(64);
            e.Property(x => x.Reason).HasMaxLength(500);
            e.HasOne<CarePlan>().WithMany().HasForeignKey(x => x.CarePlanId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<GoalComment>(e =>
        {
            e.ToTable("goal_comment");
            e.HasIndex(x => new { x.CarePlanId, x.At });
            e.HasIndex(x => x.GoalId);
            e.Property(x => x.Text).HasMaxLength(1000);
            e.Property(x => x.ByName).HasMaxLength(200);
            e.Property(x => x.ByUserId).HasMaxLength(64);
            e.HasOne<Goal>().WithMany().HasForeignKey(x => x.GoalId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private static void ConfigureOutcomes(ModelBuilder b)
    {
        b.Entity<Outcomes.Measures.ValueSetCodeRow>(e =>
        {
            e.ToTable("value_set_code");
            e.HasKey(x => new { x.ValueSet, x.Code, x.System });
            e.Property(x => x.ValueSet).HasMaxLength(64);
            e.Property(x => x.System).HasMaxLength(200);
            e.Property(x => x.Code).HasMaxLength(64);
        });
        b.Entity<Outcomes.Measures.CalendarDay>(e =>
        {
            e.ToTable("calendar_day");
            e.HasKey(x => x.DayNumber);
            e.Property(x => x.DayNumber).ValueGeneratedNever();
            e.HasIndex(x => x.UtcStart).IsUnique();
            e.HasIndex(x => new { x.WorkingSeq, x.IsWorkingDay });
        });
        b.Entity<Outcomes.Measures.MeasureDefinitionRecord>(e =>
        {
            e.ToTable("measure_definition");
            e.HasIndex(x => x.Sha256).IsUnique();
            e.HasIndex(x => x.MeasureKey);
            e.Property(x => x.MeasureKey).HasMaxLength(64);
            e.Property(x => x.Version).HasMaxLength(32);
            e.Property(x => x.Sha256).HasMaxLength(64);
            e.Property(x => x.Title).HasMaxLength(300);
        });
        b.Entity<Outcomes.Measures.MeasureRun>(e =>
        {
            e.ToTable("measure_run");
            e.HasIndex(x => new { x.QuarterEnd, x.Purpose, x.Id });
            e.Property(x => x.Quarter).HasMaxLength(16);
            e.Property(x => x.Purpose).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.DefinitionsSha256).HasMaxLength(64);
            e.Property(x => x.CodeVersion).HasMaxLength(100);
            e.Property(x => x.Provider).HasMaxLength(16);
            e.Property(x => x.RequestedBy).HasMaxLength(200);
        });
        b.Entity<Outcomes.Measures.MeasureRunResult>(e =>
        {
            e.ToTable("measure_result");
            e.HasKey(x => new { x.RunId, x.MeasureDefinitionId, x.Level, x.UnitKey });
            e.HasIndex(x => new { x.MeasureKey, x.Level, x.UnitKey });
            e.Property(x => x.MeasureKey).HasMaxLength(64);
            e.Property(x => x.Level).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.UnitKey).HasMaxLength(32);
            e.Property(x => x.Rate).HasPrecision(18, 6);
            e.HasOne<Outcomes.Measures.MeasureRun>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Outcomes.Measures.MeasureDefinitionRecord>().WithMany().HasForeignKey(x => x.MeasureDefinitionId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<Outcomes.Payments.IssuedStatement>(e =>
        {
            e.ToTable("payment_statement");
            e.HasIndex(x => new { x.Quarter, x.RunId, x.ContractSha256 }).IsUnique();
            e.Property(x => x.Quarter).HasMaxLength(16);
            e.Property(x => x.ContractSha256).HasMaxLength(64);
            e.Property(x => x.Sha256).HasMaxLength(64);
            e.Property(x => x.IssuedBy).HasMaxLength(200);
            e.HasOne<Outcomes.Measures.MeasureRun>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Restrict);
        });
    }

    /// <summary>Patient experience (docs/adr/0006, 5): invitations name the person; responses and answers never do.</summary>
    private static void ConfigureExperience(ModelBuilder b)
    {
        b.Entity<ExperienceInvitation>(e =>
        {
            e.ToTable("experience_invitation");
            // One invitation per source row: the job can run again, or twice at once, without inviting twice.
            e.HasIndex(x => new { x.Trigger, x.SourceId }).IsUnique();
            // The 30-day rule and the patient view's open invitations.
            e.HasIndex(x => new { x.PatientId, x.ServiceId, x.SentAt });
            e.HasIndex(x => x.TokenHash).IsUnique().HasFilter("token_hash IS NOT NULL");
            e.Property(x => x.Questionnaire).HasMaxLength(32);
            e.Property(x => x.TokenHash).HasMaxLength(64);
            e.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Service>().WithMany().HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Organisation>().WithMany().HasForeignKey(x => x.PracticeId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<ExperienceResponse>(e =>
        {
            // No patient and no invitation: nothing here leads back to a person.
            e.ToTable("experience_response");
            e.HasIndex(x => new { x.Questionnaire, x.AuthoredDate });
            e.Property(x => x.Questionnaire).HasMaxLength(32);
            e.Property(x => x.QuestionnaireVersion).HasMaxLength(16);
            e.HasOne<Service>().WithMany().HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Organisation>().WithMany().HasForeignKey(x => x.PracticeId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Network>().WithMany().HasForeignKey(x => x.NetworkId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<ExperienceAnswer>(e =>
        {
            e.ToTable("experience_answer");
            // The key is the (response_id, link_id) index that measures read.
            e.HasKey(x => new { x.ResponseId, x.LinkId });
            e.Property(x => x.LinkId).HasMaxLength(64);
            e.Property(x => x.Code).HasMaxLength(32);
            e.Property(x => x.Text).HasMaxLength(2000);
            e.HasOne<ExperienceResponse>().WithMany().HasForeignKey(x => x.ResponseId).OnDelete(DeleteBehavior.Cascade);
        });
        // The invitation job's scans from its watermark. Partial: the bulk-loaded practice encounters (no service) and
        // routes with no first contact stay out of them and cost nothing.
        b.Entity<Encounter>().HasIndex(x => x.LastUpdated).HasFilter("service_id IS NOT NULL").HasDatabaseName("ix_encounter_service_last_updated");
        b.Entity<ReferralRoute>().HasIndex(x => x.FirstContactAt).HasFilter("first_contact_at IS NOT NULL");
        b.Entity<ExperienceWatermark>(e =>
        {
            e.ToTable("experience_watermark");
            e.HasKey(x => x.Trigger);
            e.Property(x => x.Trigger).ValueGeneratedNever();
        });
    }

    private static void ApplySnakeCase(ModelBuilder b)
    {
        foreach (var entity in b.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is { } table && table.StartsWith("AspNet", StringComparison.Ordinal))
            {
                entity.SetTableName("app_" + ToSnakeCase(table["AspNet".Length..]));
            }
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }
            foreach (var key in entity.GetKeys())
            {
                key.SetName(ToSnakeCase(key.GetName()!));
            }
            foreach (var fk in entity.GetForeignKeys())
            {
                fk.SetConstraintName(ToSnakeCase(fk.GetConstraintName()!));
            }
            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName(ToSnakeCase(index.GetDatabaseName()!));
            }
        }
    }

    /// <summary>"RegisteredPracticeId" → "registered_practice_id".</summary>
    internal static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                {
                    sb.Append('_');
                }
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}

/// <summary>The model on SQLite, the embedded default; migrations in Storage/Migrations/Sqlite.</summary>
public sealed class SqliteJoinedUpDbContext(DbContextOptions<SqliteJoinedUpDbContext> options) : JoinedUpDbContext(options);

/// <summary>The model on PostgreSQL, the production store; migrations in Storage/Migrations/Postgres.</summary>
public sealed class PostgresJoinedUpDbContext(DbContextOptions<PostgresJoinedUpDbContext> options) : JoinedUpDbContext(options);
