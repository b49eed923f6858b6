using JoinedUp.Access;
using JoinedUp.Care;
using JoinedUp.Directory;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Record;
using JoinedUp.Storage;

namespace JoinedUp.Tests.Outcomes;

/// <summary>
/// A handful of built people and events in a fresh database, on SQLite or PostgreSQL, for testing a measure's semantics
/// where the right answer is known by hand. Two practices in one network, one unregistered person allowed.
/// </summary>
public sealed class MeasureWorld : IAsyncDisposable
{
    public const string Snomed = "http://snomed.info/sct";

    private readonly TestDatabase _db;

    public StorageOptions Options => _db.Options;
    public int PracticeA { get; private set; }
    public int PracticeB { get; private set; }
    public int ServiceId { get; private set; }
    public int TeamId { get; private set; }
    private int _next;

    private MeasureWorld(TestDatabase db) => _db = db;

    public static async Task<MeasureWorld> CreateAsync(StorageProvider provider)
    {
        var world = new MeasureWorld(await TestDatabase.CreateAsync(provider));
        await using var ctx = JoinedUpStorage.CreateContext(world.Options);
        await new DatabaseMigrator(ctx, world.Options).MigrateAsync(CancellationToken.None);
        var network = new Network { Code = "N-TEST", Name = "Test network" };
        ctx.Networks.Add(network);
        await ctx.SaveChangesAsync();
        var a = new Organisation { OdsCode = "A00001", Name = "Practice A", Kind = OrganisationKind.GpPractice, NetworkId = network.Id };
        var b = new Organisation { OdsCode = "B00002", Name = "Practice B", Kind = OrganisationKind.GpPractice, NetworkId = network.Id };
        ctx.AddRange(a, b);
        await ctx.SaveChangesAsync();
        var service = new Service { Code = "test-nursing", Name = "Test nursing", ProviderOrganisationId = a.Id };
        ctx.Add(service);
        await ctx.SaveChangesAsync();
        var team = new Team { Code = "T1", Name = "Test team", ServiceId = service.Id, OrganisationId = a.Id };
        ctx.Add(team);
        await ctx.SaveChangesAsync();
        (world.PracticeA, world.PracticeB, world.ServiceId, world.TeamId) = (a.Id, b.Id, service.Id, team.Id);
        return world;
    }

    /// <summary>Adds a person and what is recorded about them; returns their id.</summary>
    public async Task<long> PersonAsync(DateOnly born, int? practice, Action<List<object>, long>? record = null)
    {
        await using var ctx = JoinedUpStorage.CreateContext(Options);
        var n = ++_next;
        var p = new Patient { LocalIdentifier = $"MW{n}", GivenName = "Test", FamilyName = $"Person{n}", BirthDate = born, RegisteredPracticeId = practice, LastUpdated = DateTime.UtcNow };
        ctx.Patients.Add(p);
        await ctx.SaveChangesAsync();
        var rows = new List<object>();
        record?.Invoke(rows, p.Id);
        // One at a time, in order, so that ids follow the order given (the latest-reading tie rule uses them).
        foreach (var row in rows)
        {
            ctx.Add(row);
            await ctx.SaveChangesAsync();
        }
        return p.Id;
    }

    public static Condition Diagnosis(long patient, string code, DateOnly onset, ConditionStatus status = ConditionStatus.Active) =>
        new() { PatientId = patient, Code = code, CodeSystem = Snomed, OnsetDate = onset, Status = status, LastUpdated = DateTime.UtcNow };

    public static Observation Reading(long patient, string code, DateTime atUtc, double value, string unit, double? second = null) =>
        new() { PatientId = patient, Code = code, CodeSystem = Snomed, EffectiveAt = DateTime.SpecifyKind(atUtc, DateTimeKind.Utc), Value = value, SecondaryValue = second, Unit = unit, LastUpdated = DateTime.UtcNow };

    public static Encounter Visit(long patient, string type, DateTime atUtc, EncounterStatus status = EncounterStatus.Finished) =>
        new() { PatientId = patient, TypeCode = type, Class = EncounterClass.Ambulatory, Status = status, StartAt = DateTime.SpecifyKind(atUtc, DateTimeKind.Utc), LastUpdated = DateTime.UtcNow };

    public static Immunisation Vaccine(long patient, string code, DateOnly on) =>
        new() { PatientId = patient, VaccineCode = code, CodeSystem = Snomed, OccurredOn = on, LastUpdated = DateTime.UtcNow };

    public async Task<long> ReferralAsync(long patient, Urgency urgency, DateTime receivedUtc, DateTime? triagedUtc, DateTime? firstContactUtc, ReferralStatus status = ReferralStatus.Routed)
    {
        await using var ctx = JoinedUpStorage.CreateContext(Options);
        var n = ++_next;
        var r = new Referral
        {
            Reference = $"R-T{n:0000000}", PatientId = patient, GivenName = "Test", FamilyName = "Person", Reason = "Test", ReferrerName = "Test",
            Urgency = urgency, Status = status, ReceivedAt = Utc(receivedUtc), TriagedAt = triagedUtc is { } t ? Utc(t) : null,
            FirstContactAt = firstContactUtc is { } f ? Utc(f) : null, LastUpdated = DateTime.UtcNow,
        };
        ctx.Referrals.Add(r);
        await ctx.SaveChangesAsync();
        return r.Id;
    }

    /// <summary>An episode with its plan (agreed or not) and a number of assessments.</summary>
    public async Task<long> EpisodeAsync(long patient, DateTime openedUtc, DateTime? planAgreedUtc, int assessments)
    {
        await using var ctx = JoinedUpStorage.CreateContext(Options);
        var e = new Episode { PatientId = patient, OpenedAt = Utc(openedUtc) };
        ctx.Episodes.Add(e);
        await ctx.SaveChangesAsync();
        ctx.CarePlans.Add(new CarePlan
        {
            PatientId = patient, EpisodeId = e.Id, Title = "Plan", CreatedAt = Utc(openedUtc),
            Status = planAgreedUtc is null ? CarePlanStatus.Draft : CarePlanStatus.Active, AgreedAt = planAgreedUtc is { } a ? Utc(a) : null,
        });
        for (var i = 0; i < assessments; i++)
        {
            ctx.Assessments.Add(new Assessment { EpisodeId = e.Id, PatientId = patient, Scope = i == 0 ? Assessment.HolisticScope : $"s{i}", Questionnaire = "q", ResponseJson = "{}", AuthoredAt = Utc(openedUtc), AuthorName = "Test" });
        }
        await ctx.SaveChangesAsync();
        return e.Id;
    }

    public async Task<long> TaskAsync(long patient, CareTaskKind kind, CareTaskStatus status, DateTime createdUtc, DateTime dueUtc, DateTime? acceptedUtc, DateTime? completedUtc)
    {
        await using var ctx = JoinedUpStorage.CreateContext(Options);
        var t = new CareTask
        {
            PatientId = patient, Kind = kind, Status = status, ToTeamId = TeamId, Description = "Test", CreatedByName = "Test",
            CreatedAt = Utc(createdUtc), DueAt = Utc(dueUtc), AcceptedAt = acceptedUtc is { } a ? Utc(a) : null, CompletedAt = completedUtc is { } c ? Utc(c) : null,
        };
        ctx.CareTasks.Add(t);
        await ctx.SaveChangesAsync();
        return t.Id;
    }

    /// <summary>An anonymous experience response with its answers (item → answer code).</summary>
    public async Task<long> ResponseAsync(string questionnaire, DateOnly authored, int? practice, IReadOnlyDictionary<string, string> answers)
    {
        await using var ctx = JoinedUpStorage.CreateContext(Options);
        var r = new JoinedUp.Outcomes.Experience.ExperienceResponse
        {
            Questionnaire = questionnaire, QuestionnaireVersion = "1", ServiceId = ServiceId, PracticeId = practice,
            ContactDate = authored.AddDays(-1), AuthoredDate = authored, Channel = JoinedUp.Outcomes.Experience.ExperienceChannel.PatientView,
        };
        ctx.ExperienceResponses.Add(r);
        await ctx.SaveChangesAsync();
        foreach (var (item, answer) in answers) ctx.ExperienceAnswers.Add(new JoinedUp.Outcomes.Experience.ExperienceAnswer { ResponseId = r.Id, LinkId = item, Code = answer });
        await ctx.SaveChangesAsync();
        return r.Id;
    }

    private static DateTime Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);

    /// <summary>Evaluates a definition (the built-in value sets, plus the given JSON) for a quarter.</summary>
    public async Task<(MeasureEvaluation Figures, IReadOnlyDictionary<long, MeasureSubjectRow> Subjects)> EvaluateAsync(string measureJson, FinancialQuarter quarter)
    {
        var builtIn = MeasureLibrary.LoadDefault();
        var problems = new List<string>();
        var m = MeasureReader.Read(measureJson, "test.measure.json", problems) ?? throw new InvalidOperationException(string.Join("\n", problems));
        var evaluator = new MeasureEvaluator(Options);
        var period = JoinedUp.Outcomes.Measures.Sql.MeasureCompiler.PeriodFor(m, quarter);
        await using var connection = await JoinedUpStorage.OpenConnectionAsync(Options, CancellationToken.None);
        await evaluator.PrepareAsync(connection, builtIn, [period], CancellationToken.None);
        var units = await Units.LoadAsync(connection, CancellationToken.None);
        var figures = await evaluator.EvaluateAsync(connection, m, period, units, CancellationToken.None);
        var subjects = await evaluator.SubjectsAsync(connection, m, period, CancellationToken.None);
        return (figures, subjects.ToDictionary(s => s.SubjectId));
    }

    /// <summary>A built-in definition's text.</summary>
    public static string BuiltIn(string id) => MeasureLibrary.LoadDefault().Find(id)!.Json;

    public ValueTask DisposeAsync() => _db.DisposeAsync();
}
