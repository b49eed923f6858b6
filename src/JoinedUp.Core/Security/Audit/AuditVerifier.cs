using JoinedUp.Storage;

namespace JoinedUp.Security.Audit;

/// <summary>The result of checking the chain.</summary>
public sealed record AuditVerification(long RowsChecked, long Broken, long? FirstBrokenId, string? FirstProblem, string? LastHash, long KeyedRows, long? FirstKeyedId, long UncheckedKeyedRows)
{
    /// <summary>No row failed. Keyed rows checked without the key count as unchecked, not as intact: see <see cref="UncheckedKeyedRows"/>.</summary>
    public bool Intact => Broken == 0;
}

/// <summary>
/// Walks the audit table in order and recomputes every hash. An edited row fails its own hash; a removed or inserted
/// row breaks the link to the next. Keyed rows (HMAC with the audit key) can only be recomputed with the key, so an
/// edit that rewrites all later hashes is caught too; without the key their contents cannot be checked (only the
/// links between them). Once keying starts, an unkeyed row after it is tampering (a downgrade). Cutting rows off the
/// end leaves a shorter valid chain: compare the count and last hash with an earlier run's, which the CLI prints.
/// </summary>
public static class AuditVerifier
{
    public static Task<AuditVerification> VerifyAsync(StorageOptions storage, IProgress<long>? progress, CancellationToken ct) =>
        VerifyAsync(storage, null, progress, ct);

    public static async Task<AuditVerification> VerifyAsync(StorageOptions storage, byte[]? key, IProgress<long>? progress, CancellationToken ct)
    {
        var connection = await JoinedUpStorage.OpenConnectionAsync(storage, ct).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var cmd = connection.CreateCommand();
            await using (cmd.ConfigureAwait(false))
            {
                cmd.CommandText = "SELECT id, at, user_id, user_name, role, organisation_code, client_id, patient_id, action, resource, outcome, basis, detail, previous_hash, hash, keyed FROM audit_entry ORDER BY id";
                var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var expectedPrevious = AuditChain.Genesis;
                    long rows = 0, broken = 0, keyedRows = 0, unchecked_ = 0;
                    long? firstId = null, firstKeyed = null;
                    string? firstProblem = null;
                    string? S(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        rows++;
                        var id = reader.GetInt64(0);
                        var previous = reader.GetString(13);
                        var stored = reader.GetString(14);
                        var keyed = reader.GetBoolean(15);
                        string? problem = null;
                        if (!string.Equals(previous, expectedPrevious, StringComparison.Ordinal))
                        {
                            problem = $"row {id} does not follow the row before it (a row was removed or inserted before it)";
                        }
                        else if (!keyed && firstKeyed is not null)
                        {
                            problem = $"row {id} is not keyed but follows keyed rows from row {firstKeyed} (rewritten without the key)";
                        }
                        else if (keyed && key is null)
                        {
                            unchecked_++;
                        }
                        else
                        {
                            var computed = AuditChain.Compute(keyed ? key : null, previous, reader.GetDateTime(1), S(2), S(3), S(4), S(5), S(6),
                                reader.IsDBNull(7) ? null : reader.GetInt64(7), reader.GetString(8), reader.GetString(9), reader.GetString(10), S(11), S(12));
                            if (!string.Equals(computed, stored, StringComparison.Ordinal))
                            {
                                problem = keyed
                                    ? $"row {id} was changed after it was written, or the audit key is not the one it was written with"
                                    : $"row {id} was changed after it was written (its hash does not match its contents)";
                            }
                        }
                        if (keyed)
                        {
                            keyedRows++;
                            firstKeyed ??= id;
                        }
                        if (problem is not null)
                        {
                            broken++;
                            firstId ??= id;
                            firstProblem ??= problem;
                        }
                        expectedPrevious = stored;
                        if (rows % 10_000 == 0) progress?.Report(rows);
                    }
                    return new AuditVerification(rows, broken, firstId, firstProblem, rows == 0 ? null : expectedPrevious, keyedRows, firstKeyed, unchecked_);
                }
            }
        }
    }
}
