using System.Globalization;
using JoinedUp.Access;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Care;

/// <summary>What one plan review reminder run did.</summary>
public sealed record PlanReviewRun(int Created, int WithoutTeam);

/// <summary>
/// Plan reviews as tasks (docs/adr/0005): a draft or active care plan whose review is due within
/// <see cref="HorizonDays"/> days (UK date) gets one <see cref="CareTaskKind.PlanReview"/> task for the team of the person's
/// earliest open caseload, due at the end of the review day. Overdue, it escalates like any other task
/// (<see cref="EscalationService"/>). Reads the time from <see cref="TimeProvider"/>; safe to run again: a plan whose
/// episode has an open review task, or any review task for the same review date, gets none. The scheduler runs it
/// every 15 minutes; each task created is audited.
/// </summary>
public sealed class PlanReviewReminderService(JoinedUpDbContext db, RecordAccessService access, TimeProvider clock)
{
    /// <summary>How many days ahead of the review date the task is created.</summary>
    public const int HorizonDays = 7;

    /// <summary>Who created the tasks, as shown on them.</summary>
    public const string CreatedBy = "JoinedUp (plan review reminder)";

    private const int BatchSize = 500;

    public async Task<PlanReviewRun> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var horizon = DateOnly.FromDateTime(UkClock.ToLocal(now)).AddDays(HorizonDays);
        var open = new[] { CareTaskStatus.Requested, CareTaskStatus.Accepted };
        var plans = new[] { CarePlanStatus.Draft, CarePlanStatus.Active };
        int created = 0, withoutTeam = 0;
        long after = 0;
        while (true)
        {
            // Keyset batches over the review_due index; plans skipped for want of a team do not come round again.
            var batch = await db.CarePlans.AsNoTracking()
                .Where(p => p.Id > after && plans.Contains(p.Status) && p.ReviewDue != null && p.ReviewDue <= horizon
                    && !db.CareTasks.Any(t => t.EpisodeId == p.EpisodeId && t.Kind == CareTaskKind.PlanReview && open.Contains(t.Status)))
                .OrderBy(p => p.Id)
                .Select(p => new
                {
                    p.Id, p.PatientId, p.EpisodeId, ReviewDue = p.ReviewDue!.Value,
                    TeamId = db.CareRelationships.Where(r => r.PatientId == p.PatientId && r.Kind == RelationshipKind.Caseload && r.EndedAt == null && r.TeamId != null)
                        .OrderBy(r => r.StartedAt).ThenBy(r => r.Id).Select(r => r.TeamId).FirstOrDefault(),
                })
                .Take(BatchSize).ToListAsync(ct).ConfigureAwait(false);
            if (batch.Count == 0) break;
            after = batch[^1].Id;

            // A review already done (its task completed or cancelled) for the same review date is not asked for again.
            var episodes = batch.Select(p => (long?)p.EpisodeId).ToList();
            var done = (await db.CareTasks.AsNoTracking().Where(t => t.Kind == CareTaskKind.PlanReview && episodes.Contains(t.EpisodeId))
                .Select(t => new { t.EpisodeId, t.DueAt }).ToListAsync(ct).ConfigureAwait(false))
                .Select(t => (t.EpisodeId, t.DueAt)).ToHashSet();
            var tasks = new List<CareTask>();
            foreach (var plan in batch)
            {
                if (plan.TeamId is not { } team)
                {
                    withoutTeam++;
                    continue;
                }
                var due = DueAt(plan.ReviewDue);
                if (done.Contains((plan.EpisodeId, due))) continue;
                tasks.Add(new CareTask
                {
                    PatientId = plan.PatientId, EpisodeId = plan.EpisodeId, Kind = CareTaskKind.PlanReview, Status = CareTaskStatus.Requested, ToTeamId = team,
                    Description = $"Review the care plan with the person and agree the next review date (review due {plan.ReviewDue.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)})",
                    DueAt = due, CreatedAt = now, CreatedByName = CreatedBy,
                });
            }
            if (tasks.Count > 0)
            {
                db.CareTasks.AddRange(tasks);
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                db.ChangeTracker.Clear();
                foreach (var t in tasks)
                {
                    await access.AuditAsync(null, AuditOutcome.Allowed, "task.create", $"CareTask/{t.Id}", t.PatientId, "care plan review due: review task for the caseload team", null, ct).ConfigureAwait(false);
                }
                created += tasks.Count;
            }
            if (batch.Count < BatchSize) break;
        }
        return new PlanReviewRun(created, withoutTeam);
    }

    /// <summary>A review is due by the end of its (UK) day: the task is overdue from the next midnight in London.</summary>
    public static DateTime DueAt(DateOnly reviewDue) => UkClock.ToUtc(reviewDue.AddDays(1).ToDateTime(TimeOnly.MinValue));
}
