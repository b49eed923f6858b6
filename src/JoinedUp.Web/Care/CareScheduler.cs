using JoinedUp.Care;
using JoinedUp.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Quartz;
using Quartz.Impl.AdoJobStore;

namespace JoinedUp.Web.Care;

/// <summary>
/// Scheduler settings, section "Scheduler": <c>Scheduler__Enabled=false</c> runs the app without background jobs
/// (nothing escalates and no plan review task is created until a node with it on runs);
/// <c>Scheduler__EscalationInterval=00:01:00</c> and <c>Scheduler__PlanReviewInterval=00:15:00</c> set how often
/// the two jobs run.
/// </summary>
public sealed class SchedulerOptions
{
    public const string SectionName = "Scheduler";

    public bool Enabled { get; set; } = true;

    public TimeSpan EscalationInterval { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan PlanReviewInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often patient experience invitations are made (<c>Scheduler__ExperienceInvitationInterval</c>).</summary>
    public TimeSpan ExperienceInvitationInterval { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// The persisted schedule (docs/adr/0005, point 3): Quartz.NET with its ADO.NET job store in the app's own database
/// (the qrtz tables come from our migrations), so jobs and their triggers survive a restart, and a run missed while
/// the app was down fires once when it is back.
/// </summary>
internal static class CareScheduler
{
    public static readonly JobKey EscalationJob = new("EscalateOverdueTasks", "care");

    public static readonly TriggerKey EscalationTrigger = new("EscalateOverdueTasks", "care");

    public static readonly JobKey PlanReviewJob = new("PlanReviewReminders", "care");

    public static readonly TriggerKey PlanReviewTrigger = new("PlanReviewReminders", "care");

    public static readonly JobKey ExperienceInvitationJob = new("SendExperienceInvitations", "outcomes");

    public static readonly TriggerKey ExperienceInvitationTrigger = new("SendExperienceInvitations", "outcomes");

    /// <summary>Quartz's table prefix: what the QuartzScheduler migrations create (PostgreSQL's script is lower case).</summary>
    public static string TablePrefix(StorageProvider provider) => provider == StorageProvider.Postgres ? "qrtz_" : "QRTZ_";

    /// <summary>Registers the scheduler, its two jobs and its health check. Call after the start-up migration is registered.</summary>
    public static void AddCareScheduler(this WebApplicationBuilder builder, StorageOptions storage)
    {
        var options = builder.Configuration.GetSection(SchedulerOptions.SectionName).Get<SchedulerOptions>() ?? new SchedulerOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddScoped<PlanReviewReminderService>();
        builder.Services.AddScoped<JoinedUp.Outcomes.Experience.ExperienceInvitationService>();
        builder.Services.AddHealthChecks().AddCheck<SchedulerHealthCheck>("scheduler");
        if (!options.Enabled) return;

        builder.Services.AddTransient<EscalateOverdueTasks>();
        builder.Services.AddTransient<PlanReviewReminders>();
        builder.Services.AddTransient<SendExperienceInvitations>();
        builder.Services.AddQuartz(q =>
        {
            // Quartz keeps real time: the app's TimeProvider is what the jobs' services read (tests move it by days).
            q.UseTimeProvider(TimeProvider.System);
            q.UseDefaultThreadPool(2);
            q.UsePersistentStore(s =>
            {
                s.UseSystemTextJsonSerializer();
                if (storage.Provider == StorageProvider.Postgres)
                {
                    s.UsePostgres(storage.ConnectionString!);
                }
                else
                {
                    // The app's own SQLite connection string: the same file, and a 60 s default timeout within which
                    // Microsoft.Data.Sqlite retries a write that finds the database busy instead of failing the job.
                    s.UseGenericDatabase("SQLite-Microsoft", JoinedUpStorage.SqliteConnectionString(storage));
                    s.UseDriverDelegate<SQLiteDelegate>();
                }
                s.ConfigureStore(o => o.TablePrefix = TablePrefix(storage.Provider));
            });
        });
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        builder.Services.AddHostedService<CareSchedule>();
    }
}

/// <summary>
/// Puts the care jobs and their triggers in the store at start-up, idempotently: the jobs are durable, and a trigger
/// already stored is kept (with its next fire time) unless its interval setting changed, so a restart reuses the
/// persisted schedule and a run missed while the app was down fires once (misfire: fire now).
/// </summary>
internal sealed partial class CareSchedule(ISchedulerFactory factory, SchedulerOptions options, ILogger<CareSchedule> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await factory.GetScheduler(cancellationToken).ConfigureAwait(false);
        await EnsureAsync<EscalateOverdueTasks>(scheduler, CareScheduler.EscalationJob, CareScheduler.EscalationTrigger, options.EscalationInterval,
            "Escalates overdue care tasks to the navigator, then the team lead", cancellationToken).ConfigureAwait(false);
        await EnsureAsync<PlanReviewReminders>(scheduler, CareScheduler.PlanReviewJob, CareScheduler.PlanReviewTrigger, options.PlanReviewInterval,
            "Creates plan review tasks for care plans due for review within 7 days", cancellationToken).ConfigureAwait(false);
        await EnsureAsync<SendExperienceInvitations>(scheduler, CareScheduler.ExperienceInvitationJob, CareScheduler.ExperienceInvitationTrigger, options.ExperienceInvitationInterval,
            "Invites people to answer the Friends and Family Test after a first contact or a finished service encounter", cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EnsureAsync<TJob>(IScheduler scheduler, JobKey jobKey, TriggerKey triggerKey, TimeSpan interval, string description, CancellationToken ct)
        where TJob : IJob
    {
        // Replacing the job detail keeps its triggers; it keeps the stored class name current.
        var job = JobBuilder.Create<TJob>().WithIdentity(jobKey).WithDescription(description).StoreDurably().Build();
        await scheduler.AddJob(job, new AddJobOptions { Replace = true }, ct).ConfigureAwait(false);

        var trigger = TriggerBuilder.Create(TimeProvider.System).WithIdentity(triggerKey).ForJob(jobKey).WithDescription($"every {interval}").StartNow()
            .WithSchedule(SimpleScheduleBuilder.Create().WithInterval(interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        var existing = await scheduler.GetTrigger(triggerKey, ct).ConfigureAwait(false);
        if (existing is ISimpleTrigger simple && simple.RepeatInterval == interval)
        {
            LogKept(log, triggerKey.Name, existing.NextFireTimeUtc);
            return;
        }
        if (existing is not null)
        {
            await scheduler.RescheduleJob(triggerKey, trigger, ct).ConfigureAwait(false);
            LogRescheduled(log, triggerKey.Name, interval);
            return;
        }
        try
        {
            await scheduler.ScheduleJob(trigger, default, ct).ConfigureAwait(false);
            LogScheduled(log, triggerKey.Name, interval);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Another start-up stored it first: theirs is kept.
            LogKept(log, triggerKey.Name, null);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler: kept the stored trigger {Trigger}, next fire at {NextFire}")]
    private static partial void LogKept(ILogger logger, string trigger, DateTimeOffset? nextFire);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler: scheduled {Trigger} every {Interval}")]
    private static partial void LogScheduled(ILogger logger, string trigger, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler: the interval of {Trigger} changed to {Interval}: rescheduled")]
    private static partial void LogRescheduled(ILogger logger, string trigger, TimeSpan interval);
}

/// <summary>Every minute: overdue care tasks escalate (<see cref="EscalationService"/>). One run at a time.</summary>
[DisallowConcurrentExecution]
internal sealed partial class EscalateOverdueTasks(IServiceScopeFactory scopes, ILogger<EscalateOverdueTasks> log) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var run = await scope.ServiceProvider.GetRequiredService<EscalationService>().RunAsync(cancellationToken).ConfigureAwait(false);
        if (run.ToNavigator + run.ToTeamLead > 0) LogEscalated(log, run.ToNavigator, run.ToTeamLead);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Escalated {ToNavigator} task(s) to the navigator and {ToTeamLead} to the team lead")]
    private static partial void LogEscalated(ILogger logger, int toNavigator, int toTeamLead);
}

/// <summary>Every 15 minutes: plan review tasks for plans due for review (<see cref="PlanReviewReminderService"/>). One run at a time.</summary>
[DisallowConcurrentExecution]
internal sealed partial class PlanReviewReminders(IServiceScopeFactory scopes, ILogger<PlanReviewReminders> log) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var run = await scope.ServiceProvider.GetRequiredService<PlanReviewReminderService>().RunAsync(cancellationToken).ConfigureAwait(false);
        if (run.Created + run.WithoutTeam > 0) LogCreated(log, run.Created, run.WithoutTeam);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Plan reviews: {Created} review task(s) created, {WithoutTeam} plan(s) due with no caseload team")]
    private static partial void LogCreated(ILogger logger, int created, int withoutTeam);
}

/// <summary>Every 15 minutes: patient experience invitations (<see cref="JoinedUp.Outcomes.Experience.ExperienceInvitationService"/>). One run at a time.</summary>
[DisallowConcurrentExecution]
internal sealed partial class SendExperienceInvitations(IServiceScopeFactory scopes, ILogger<SendExperienceInvitations> log) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var run = await scope.ServiceProvider.GetRequiredService<JoinedUp.Outcomes.Experience.ExperienceInvitationService>().RunAsync(cancellationToken).ConfigureAwait(false);
        if (run.AfterFirstContact + run.AfterEncounter > 0) LogInvited(log, run.AfterFirstContact, run.AfterEncounter);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Experience invitations: {AfterFirstContact} after a first contact, {AfterEncounter} after an encounter")]
    private static partial void LogInvited(ILogger logger, int afterFirstContact, int afterEncounter);
}

/// <summary>
/// The scheduler for operators (/health): healthy when it runs and the escalation trigger is stored, with the next fire
/// times in the data; degraded while it starts; unhealthy when it has stopped or its store does not answer.
/// </summary>
internal sealed class SchedulerHealthCheck(SchedulerOptions options, IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Enabled)
        {
            return HealthCheckResult.Healthy("Scheduler off (Scheduler:Enabled=false): this node runs no escalation or plan review jobs.",
                new Dictionary<string, object> { ["enabled"] = false });
        }
        try
        {
            var scheduler = await services.GetRequiredService<ISchedulerFactory>().GetScheduler(cancellationToken).ConfigureAwait(false);
            var escalation = await scheduler.GetTrigger(CareScheduler.EscalationTrigger, cancellationToken).ConfigureAwait(false);
            var review = await scheduler.GetTrigger(CareScheduler.PlanReviewTrigger, cancellationToken).ConfigureAwait(false);
            var status = scheduler.Status;
            var data = new Dictionary<string, object>
            {
                ["enabled"] = true,
                ["status"] = status.ToString(),
                ["escalationNextFire"] = escalation?.NextFireTimeUtc?.ToString("O") ?? "none",
                ["escalationLastFire"] = escalation?.PreviousFireTimeUtc?.ToString("O") ?? "none",
                ["planReviewNextFire"] = review?.NextFireTimeUtc?.ToString("O") ?? "none",
            };
            return status switch
            {
                SchedulerStatus.Running when escalation is not null => HealthCheckResult.Healthy($"Scheduler running; escalation next at {escalation.NextFireTimeUtc:O}.", data),
                SchedulerStatus.Running => HealthCheckResult.Unhealthy("Scheduler running but the escalation trigger is not stored: overdue tasks will not escalate.", data: data),
                SchedulerStatus.Created or SchedulerStatus.Standby or SchedulerStatus.Unknown => HealthCheckResult.Degraded($"Scheduler starting ({status}).", data: data),
                _ => HealthCheckResult.Unhealthy($"Scheduler {status}: overdue tasks will not escalate.", data: data),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"Scheduler store does not answer: {ex.GetType().Name}.");
        }
    }
}
