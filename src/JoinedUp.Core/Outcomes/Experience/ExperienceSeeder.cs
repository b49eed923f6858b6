using System.Data.Common;
using JoinedUp.Access;
using JoinedUp.Storage;

namespace JoinedUp.Outcomes.Experience;

/// <summary>Settings of one synthetic experience load.</summary>
/// <param name="Seed">Same seed, same database: the same responses, row for row.</param>
/// <param name="Share">The share of contacts that get a response (about 15%, a typical FFT response rate).</param>
/// <param name="IncludePracticeContacts">Also answer for finished practice contacts (encounters with no service): the synthetic borough's reviews, so that a demo borough has experience data by practice and network.</param>
/// <param name="Today">No response is authored after this day.</param>
public sealed record ExperienceSeedOptions(long Seed, DateOnly Today, double Share = 0.15, bool IncludePracticeContacts = false);

/// <summary>What one load wrote.</summary>
public sealed record ExperienceSeedResult(int Sources, int Responses, int Answers, TimeSpan Elapsed);

/// <summary>
/// Deterministic synthetic experience responses for an existing database (demos and benchmarks): about
/// <see cref="ExperienceSeedOptions.Share"/> of referral routes' first contacts and finished service encounters get an
/// FFT response, and one in three of the first contacts also the experience questionnaire. Whether a row answers, and
/// what, comes from a hash of the row's id and the seed (never shared random state), so a re-run writes the same rows.
/// FFT answers are 85–92% positive, varying by service. Anonymous like real ones; written in bulk
/// (<see cref="BulkWriter"/>), replacing any earlier synthetic responses, in one transaction.
/// </summary>
public static class ExperienceSeeder
{
    private static readonly BulkTable Responses = new("experience_response",
        ["id", "questionnaire", "questionnaire_version", "service_id", "practice_id", "network_id", "contact_date", "authored_date", "channel"]);

    private static readonly BulkTable Answers = new("experience_answer", ["response_id", "link_id", "code", "text"], HasIdentity: false);

    private static readonly string[] Good =
    [
        "The nurse was kind and explained everything.", "They came when they said they would.", "I did not have to repeat myself.",
        "Friendly staff who listened.", "Quick to get an appointment.",
    ];

    private static readonly string[] Poor =
    [
        "I waited a long time to hear anything.", "Nobody told me who to call.", "I had to explain my history again to each person.",
        "The visit was rushed.", "The appointment was moved twice.",
    ];

    private static readonly (string LinkId, double Agree)[] Statements =
    [
        ("story-once", 0.68), ("knew-who-to-contact", 0.80), ("services-talked", 0.64), ("followed-up", 0.74), ("involved-in-decisions", 0.78),
    ];

    private sealed record Source(long Id, int Kind, int? ServiceId, int? PracticeId, int? NetworkId, DateTime ContactAt);

    /// <summary>Loads the responses; safe to run again (the earlier synthetic responses are replaced).</summary>
    public static async Task<ExperienceSeedResult> SeedAsync(StorageOptions storage, ExperienceSeedOptions options, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var connection = await JoinedUpStorage.OpenConnectionAsync(storage, ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(connection, tx, $"DELETE FROM experience_answer WHERE response_id IN (SELECT id FROM experience_response WHERE channel = {(int)ExperienceChannel.Synthetic})", ct).ConfigureAwait(false);
        await ExecuteAsync(connection, tx, $"DELETE FROM experience_response WHERE channel = {(int)ExperienceChannel.Synthetic}", ct).ConfigureAwait(false);

        // Only the rows that answer are kept in memory (the hash decides as they are read): ~15% of a large borough's contacts.
        var sources = new List<Source>();
        var seen = 0;
        // 1: first contacts on referral routes; 2: finished encounters with a service; 3: finished practice contacts.
        seen += await ReadAsync(connection, tx, 1, """
            SELECT rt.id, rt.service_id, p.registered_practice_id, o.network_id, rt.first_contact_at
            FROM referral_route rt JOIN referral r ON r.id = rt.referral_id JOIN patient p ON p.id = r.patient_id JOIN service s ON s.id = rt.service_id
            LEFT JOIN organisation o ON o.id = p.registered_practice_id
            WHERE rt.first_contact_at IS NOT NULL AND NOT rt.is_booking AND NOT s.is_sensitive
            """, options, sources, ct).ConfigureAwait(false);
        seen += await ReadAsync(connection, tx, 2, """
            SELECT e.id, e.service_id, p.registered_practice_id, o.network_id, COALESCE(e.end_at, e.start_at)
            FROM encounter e JOIN patient p ON p.id = e.patient_id JOIN service s ON s.id = e.service_id
            LEFT JOIN organisation o ON o.id = p.registered_practice_id
            WHERE e.service_id IS NOT NULL AND e.status = 3 AND NOT e.confidential AND NOT s.is_sensitive
            """, options, sources, ct).ConfigureAwait(false);
        if (options.IncludePracticeContacts)
        {
            seen += await ReadAsync(connection, tx, 3, """
                SELECT e.id, NULL, p.registered_practice_id, o.network_id, COALESCE(e.end_at, e.start_at)
                FROM encounter e JOIN patient p ON p.id = e.patient_id LEFT JOIN organisation o ON o.id = p.registered_practice_id
                WHERE e.service_id IS NULL AND e.status = 3 AND NOT e.confidential
                """, options, sources, ct).ConfigureAwait(false);
        }

        long nextId;
        await using (var max = connection.CreateCommand())
        {
            max.Transaction = tx;
            max.CommandText = "SELECT COALESCE(MAX(id), 0) FROM experience_response";
            nextId = Convert.ToInt64(await max.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) + 1;
        }
        var fft = ExperienceQuestionnaires.Find(ExperienceQuestionnaires.Fft)!;
        var experience = ExperienceQuestionnaires.Find(ExperienceQuestionnaires.Experience)!;
        var responses = new List<object?[]>();
        var answers = new List<object?[]>();
        await using var writer = BulkWriter.Create(connection, tx);
        int responseCount = 0, answerCount = 0;
        foreach (var s in sources)
        {
            var h = new Hash(options.Seed, s.Kind, s.Id);
            h.Next(); // the draw that chose the row
            var contact = DateOnly.FromDateTime(UkClock.ToLocal(DateTime.SpecifyKind(s.ContactAt, DateTimeKind.Utc)));
            var authored = contact.AddDays((int)(h.Next() * 10));
            if (authored > options.Today) authored = options.Today;
            if (contact > options.Today) continue;

            var id = nextId++;
            responses.Add([id, fft.Id, fft.Version, s.ServiceId, s.PracticeId, s.NetworkId, contact, authored, (int)ExperienceChannel.Synthetic]);
            // 85–92% positive, by service (practice contacts by practice); the rest spread over the other answers.
            var positive = 0.85 + (Mix((ulong)options.Seed, (ulong)(s.ServiceId ?? 1000 + (s.PracticeId ?? 0))) % 8 / 100.0);
            var u = h.Next();
            var code = u < positive * 0.68 ? "very-good" : u < positive ? "good"
                : (u - positive) / (1 - positive) is var rest && rest < 0.4 ? "neither" : rest < 0.65 ? "poor" : rest < 0.8 ? "very-poor" : "dont-know";
            answers.Add([id, "fft", code, null]);
            if (h.Next() < 0.2)
            {
                var texts = code is "very-good" or "good" ? Good : Poor;
                answers.Add([id, "fft-why", null, texts[(int)(h.Next() * texts.Length)]]);
            }
            if (s.Kind == 1 && h.Next() < 1 / 3.0)
            {
                var eid = nextId++;
                responses.Add([eid, experience.Id, experience.Version, s.ServiceId, s.PracticeId, s.NetworkId, contact, authored, (int)ExperienceChannel.Synthetic]);
                foreach (var (linkId, agree) in Statements)
                {
                    var v = h.Next();
                    var choice = v < agree * 0.45 ? "strongly-agree" : v < agree ? "agree"
                        : (v - agree) / (1 - agree) is var r && r < 0.35 ? "neither" : r < 0.65 ? "disagree" : r < 0.8 ? "strongly-disagree" : r < 0.92 ? "dont-know" : "not-applicable";
                    answers.Add([eid, linkId, choice, null]);
                }
            }
            if (responses.Count >= 5000) await FlushAsync().ConfigureAwait(false);
        }
        await FlushAsync().ConfigureAwait(false);
        await writer.FinishAsync([Responses], ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new ExperienceSeedResult(seen, responseCount, answerCount, started.Elapsed);

        async Task FlushAsync()
        {
            await writer.WriteAsync(Responses, responses, ct).ConfigureAwait(false);
            await writer.WriteAsync(Answers, answers, ct).ConfigureAwait(false);
            responseCount += responses.Count;
            answerCount += answers.Count;
            responses.Clear();
            answers.Clear();
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
#pragma warning disable CA2100 // constant SQL
        cmd.CommandText = sql;
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Reads one kind of contact and keeps those whose hash chooses them; returns how many were read.</summary>
    private static async Task<int> ReadAsync(DbConnection connection, DbTransaction tx, int kind, string sql, ExperienceSeedOptions options, List<Source> into, CancellationToken ct)
    {
        var read = 0;
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
#pragma warning disable CA2100 // constant SQL
        cmd.CommandText = sql;
#pragma warning restore CA2100
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            read++;
            var id = reader.GetInt64(0);
            if (new Hash(options.Seed, kind, id).Next() >= options.Share) continue;
            into.Add(new Source(id, kind, reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.GetDateTime(4)));
        }
        return read;
    }

    /// <summary>SplitMix64: a well-mixed 64-bit hash, the same on every platform.</summary>
    private static ulong Mix(ulong a, ulong b)
    {
        var z = a * 0x9E3779B97F4A7C15UL + b + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A stream of uniform numbers in [0, 1) from (seed, kind, row id): the row's own, whatever else is in the database.</summary>
    private struct Hash(long seed, int kind, long id)
    {
        private ulong _state = Mix(Mix((ulong)seed, (ulong)kind), (ulong)id);

        public double Next()
        {
            _state = Mix(_state, 0x2545F4914F6CDD1DUL);
            return (_state >> 11) * (1.0 / (1UL << 53));
        }
    }
}
