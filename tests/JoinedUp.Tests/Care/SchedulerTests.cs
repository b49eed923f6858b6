using System.Net;
using System.Net.Http.Json;
using JoinedUp.Care;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using JoinedUp.Web.Care;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace JoinedUp.Tests.Care;

/// <summary>
/// The persisted schedule (docs/adr/0005, point 3): Quartz fires the escalation job from its job store in the app's
/// database, the schedule survives a restart, and plan reviews become tasks that escalate when overdue.
/// </summary>
public class SchedulerTests
{
    private static readonly Dictionary<string, string?> SchedulerOn = new() { ["Scheduler:Enabled"] = "true" };

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Completes when a run of the job that carries <paramref name="marker"/> in its data has finished.</summary>
    private sealed class RunListener(string marker) : IJobListener
    {
        public TaskCompletionSource<JobExecutionException?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "test-" + marker;

        public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
        {
            if (context.MergedJobDataMap.ContainsKey(marker)) Done.TrySetResult(jobException);
            return ValueTask.CompletedTask;
        }

        public ValueTask JobProgressChanged(IJobExecutionContext context, Quartz.Extensibility.FireInstanceProgress progress, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }

    private static async Task<long> FollowUpAsync(SecureApp app, long patient, int dueInHours)
    {
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var sent = await nurse.PostAsJsonAsync("/api/care/followups", new { patientId = patient, description = "Call within 48 hours of discharge", dueInHours });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        return (await SecureApp.JsonAsync(sent)).GetProperty("id").GetInt64();
    }

    private static Task<int> LevelAsync(SecureApp app, long taskId) => app.QueryAsync(db => db.CareTasks.Where(t => t.Id == taskId).Select(t => t.EscalationLevel).FirstAsync());

    private static async Task<T> ScalarAsync<T>(TestDatabase db, string sql)
    {
        await using var connection = await JoinedUpStorage.OpenConnectionAsync(db.Options, default);
        await using var cmd = connection.CreateCommand();
#pragma warning disable CA2100 // constant SQL written in this file
        cmd.CommandText = sql;
#pragma warning restore CA2100
        return (T)Convert.ChangeType((await cmd.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    // Unquoted names: SQLite ignores their case and PostgreSQL folds them to the lower-case names its script creates.
    private static Task<long> CountAsync(TestDatabase db, string table, string where = "1=1") => ScalarAsync<long>(db, $"SELECT COUNT(*) FROM {table} WHERE {where}");

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task An_overdue_follow_up_is_escalated_by_the_escalation_job_that_Quartz_fires(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider, SchedulerOn);
        var patient = await app.DemoPatientAsync();
        var taskId = await FollowUpAsync(app, patient, dueInHours: 48);

        var scheduler = await app.Factory.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(default);
        Assert.True(await scheduler.Exists(CareScheduler.EscalationJob, default));
        // Not due: a run changes nothing.
        Assert.Null(await RunAsync(scheduler, CareScheduler.EscalationJob));
        Assert.Equal(0, await LevelAsync(app, taskId));

        app.Clock.Advance(TimeSpan.FromHours(48) + TimeSpan.FromMinutes(1));
        Assert.Null(await RunAsync(scheduler, CareScheduler.EscalationJob));
        Assert.Equal(1, await LevelAsync(app, taskId));
        Assert.Single(await app.AuditAsync(e => e.Action == "task.escalate" && e.Resource == $"CareTask/{taskId}"));

        // Operators see the scheduler running, with the escalation's next run.
        using var anonymous = app.Anonymous();
        var health = await SecureApp.JsonAsync(await anonymous.GetAsync("/health"));
        var check = health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "scheduler");
        Assert.Equal("Healthy", check.GetProperty("status").GetString());
        Assert.True(DateTimeOffset.TryParse(check.GetProperty("data").GetProperty("escalationNextFire").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
    }

    /// <summary>Fires the job now through Quartz and waits (with a deadline) for that run to finish; returns what it threw.</summary>
    private static async Task<JobExecutionException?> RunAsync(IScheduler scheduler, JobKey job)
    {
        var marker = "run-" + Guid.NewGuid().ToString("N");
        var listener = new RunListener(marker);
        scheduler.ListenerManager.AddJobListener(listener, [Matchers.Key(job)]);
        try
        {
            await scheduler.TriggerJob(job, new JobDataMap { [marker] = "1" }, default);
            return await listener.Done.Task.WaitAsync(Deadline);
        }
        finally
        {
            scheduler.ListenerManager.RemoveJobListener(listener.Name);
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task The_schedule_survives_a_restart_and_a_run_missed_while_the_app_was_down_fires_on_its_own_when_it_is_back(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        long taskId;
        await using (var first = await SecureApp.StartOnAsync(db, SchedulerOn))
        {
            Assert.Equal(1, await CountAsync(db, "QRTZ_TRIGGERS", "TRIGGER_NAME = 'EscalateOverdueTasks'"));
            taskId = await FollowUpAsync(first, await first.DemoPatientAsync(), dueInHours: 48);
        }

        // While the app is down: the follow-up falls overdue, and the escalation's next run passes unfired.
        await using (var context = JoinedUpStorage.CreateContext(db.Options))
        {
            var due = DateTime.UtcNow.AddHours(-1);
            Assert.Equal(1, await context.CareTasks.Where(t => t.Id == taskId).ExecuteUpdateAsync(s => s.SetProperty(t => t.DueAt, due)));
        }
        var next = await ScalarAsync<long>(db, "SELECT NEXT_FIRE_TIME FROM QRTZ_TRIGGERS WHERE TRIGGER_NAME = 'EscalateOverdueTasks'");
        // Stored as ticks or as Unix milliseconds, depending on the Quartz version: ten minutes ago either way.
        var tenMinutes = next > 100_000_000_000_000 ? TimeSpan.FromMinutes(10).Ticks : (long)TimeSpan.FromMinutes(10).TotalMilliseconds;
        Assert.Equal(1, await ScalarAsync<long>(db, $"SELECT COUNT(*) FROM QRTZ_TRIGGERS WHERE TRIGGER_NAME = 'EscalateOverdueTasks' AND NEXT_FIRE_TIME = {next}"));
        await using (var connection = await JoinedUpStorage.OpenConnectionAsync(db.Options, default))
        await using (var cmd = connection.CreateCommand())
        {
#pragma warning disable CA2100 // numbers read from the store
            // The description marks the stored trigger: a trigger re-created at start-up would not carry it.
            cmd.CommandText = $"UPDATE QRTZ_TRIGGERS SET NEXT_FIRE_TIME = {next - tenMinutes}, DESCRIPTION = 'stored before the restart' WHERE TRIGGER_NAME = 'EscalateOverdueTasks'";
#pragma warning restore CA2100
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }

        await using var second = await SecureApp.StartOnAsync(db, SchedulerOn);
        // Nobody triggers anything: the stored trigger, misfired, fires once as soon as the scheduler is back.
        var deadline = DateTime.UtcNow + Deadline;
        while (await LevelAsync(second, taskId) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the escalation job did not run after the restart");
            await Task.Delay(200);
        }
        Assert.Equal(1, await LevelAsync(second, taskId));
        // The same trigger, kept rather than replaced, and no duplicate job or trigger.
        Assert.Equal("stored before the restart", await ScalarAsync<string>(db, "SELECT DESCRIPTION FROM QRTZ_TRIGGERS WHERE TRIGGER_NAME = 'EscalateOverdueTasks'"));
        Assert.Equal(3, await CountAsync(db, "QRTZ_JOB_DETAILS"));
        Assert.Equal(3, await CountAsync(db, "QRTZ_TRIGGERS"));
        Assert.Equal(1, await CountAsync(db, "QRTZ_JOB_DETAILS", "JOB_NAME = 'EscalateOverdueTasks'"));
        Assert.Equal(1, await CountAsync(db, "QRTZ_JOB_DETAILS", "JOB_NAME = 'PlanReviewReminders'"));
        Assert.Equal(1, await CountAsync(db, "QRTZ_JOB_DETAILS", "JOB_NAME = 'SendExperienceInvitations'"));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_plan_due_for_review_within_7_days_gets_one_review_task_for_its_caseload_team_which_escalates_when_overdue(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var today = DateOnly.FromDateTime(JoinedUp.Access.UkClock.ToLocal(app.Clock.GetUtcNow().UtcDateTime));
        var (soon, later, completed, team) = await app.QueryAsync(async db =>
        {
            var now = app.Clock.GetUtcNow().UtcDateTime;
            long Plan(DateOnly review, CarePlanStatus status)
            {
                var episode = new JoinedUp.Access.Episode { PatientId = patient, OpenedAt = now };
                db.Episodes.Add(episode);
                db.SaveChanges();
                var plan = new CarePlan { PatientId = patient, EpisodeId = episode.Id, Status = status, Title = "Staying well at home", ReviewDue = review, CreatedAt = now, LastUpdated = now };
                db.CarePlans.Add(plan);
                db.SaveChanges();
                return episode.Id;
            }
            var caseloadTeam = await db.CareRelationships.Where(r => r.PatientId == patient && r.Kind == RelationshipKind.Caseload && r.EndedAt == null)
                .OrderBy(r => r.StartedAt).ThenBy(r => r.Id).Select(r => r.TeamId).FirstAsync();
            return (Plan(today.AddDays(5), CarePlanStatus.Active), Plan(today.AddDays(20), CarePlanStatus.Draft), Plan(today.AddDays(3), CarePlanStatus.Completed), caseloadTeam);
        });
        Task<List<CareTask>> ReviewsAsync(long episode) => app.QueryAsync(db => db.CareTasks.AsNoTracking().Where(t => t.EpisodeId == episode && t.Kind == CareTaskKind.PlanReview).ToListAsync());
        async Task<PlanReviewRun> RemindAsync()
        {
            await using var scope = app.Factory.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<PlanReviewReminderService>().RunAsync(default);
        }
        async Task<EscalationRun> EscalateAsync()
        {
            await using var scope = app.Factory.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<EscalationService>().RunAsync(default);
        }

        Assert.True((await RemindAsync()).Created >= 1);
        var review = Assert.Single(await ReviewsAsync(soon));
        Assert.Equal(team, review.ToTeamId);
        Assert.Equal(CareTaskStatus.Requested, review.Status);
        Assert.Equal(PlanReviewReminderService.DueAt(today.AddDays(5)), review.DueAt, TimeSpan.FromSeconds(1));
        Assert.Empty(await ReviewsAsync(later));
        Assert.Empty(await ReviewsAsync(completed));
        Assert.Single(await app.AuditAsync(e => e.Action == "task.create" && e.Resource == $"CareTask/{review.Id}"));

        // Run again: nothing new.
        Assert.Equal(0, (await RemindAsync()).Created);
        Assert.Single(await ReviewsAsync(soon));

        // Six days on, the review day has passed: still one task, and it escalates to the navigator.
        app.Clock.Advance(TimeSpan.FromDays(6) + TimeSpan.FromMinutes(1));
        Assert.Equal(0, (await RemindAsync()).Created);
        Assert.Single(await ReviewsAsync(soon));
        Assert.Empty(await ReviewsAsync(later));
        Assert.True((await EscalateAsync()).ToNavigator >= 1);
        Assert.Equal(1, (await ReviewsAsync(soon)).Single().EscalationLevel);

        // The team does the review: the task is done, the plan's next review is four weeks from today, and it is in the history.
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        Assert.Equal(HttpStatusCode.OK, (await nurse.PostAsync($"/api/care/tasks/{review.Id}/complete", null)).StatusCode);
        var reviewedToday = DateOnly.FromDateTime(JoinedUp.Access.UkClock.ToLocal(app.Clock.GetUtcNow().UtcDateTime));
        await app.QueryAsync(async db =>
        {
            var plan = await db.CarePlans.SingleAsync(p => p.EpisodeId == soon);
            Assert.Equal(reviewedToday.AddDays(CarePlanService.ReviewIntervalDays), plan.ReviewDue);
            Assert.Equal(CareTaskStatus.Completed, (await db.CareTasks.SingleAsync(t => t.Id == review.Id)).Status);
            Assert.Single(await db.CarePlanChanges.Where(c => c.CarePlanId == plan.Id && c.Reason == "plan reviewed").ToListAsync());
            return 0;
        });
        Assert.Equal(0, (await RemindAsync()).Created);
    }
}
