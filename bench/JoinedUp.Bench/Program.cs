using System.Diagnostics;
using System.Globalization;
using JoinedUp.Directory.Catalogue;
using JoinedUp.Record.Synthetic;
using JoinedUp.Storage;

// Borough generation benchmark (issue 2). Usage:
//   dotnet run -c Release --project bench/JoinedUp.Bench -- PROVIDER PATIENTS [SQLITE_PATH|PG_CONNECTION_STRING]
// Runs, in one process and on fresh databases:
//   1. generate: the real `joinedup generate` path (BoroughGenerator) — wall time, rows/s, database size;
//   2. floor: the same rows, made first and held in memory, then written with nothing but a bare batched insert
//      (Microsoft.Data.Sqlite prepared INSERT in one transaction / Npgsql binary COPY) into the same schema.
// Peak memory is the process's peak working set, read after each phase (run the phases in separate processes for
// separate peaks: pass "generate" or "floor" as the fourth argument).
if (args.Length > 0 && args[0] == "export")
{
    await JoinedUp.Bench.ExportBench.RunAsync(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "load")
{
    await JoinedUp.Bench.LoadBench.RunAsync(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "import")
{
    await JoinedUp.Bench.ImportBench.RunAsync(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "access")
{
    await JoinedUp.Bench.AccessBench.RunAsync(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "care")
{
    await JoinedUp.Bench.CareBench.RunAsync(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "outcomes")
{
    await JoinedUp.Bench.OutcomesBench.RunAsync(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "security")
{
    await JoinedUp.Bench.SecurityBench.RunAsync(args[1..]);
    return;
}
var provider = Enum.Parse<StorageProvider>(args[0], ignoreCase: true);
var patients = int.Parse(args[1], CultureInfo.InvariantCulture);
var target = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "joinedup-bench.db");
var phase = args.Length > 3 ? args[3] : "both";
var asOf = new DateOnly(2026, 11, 1);

StorageOptions Fresh(string suffix) => JoinedUp.Bench.Bench.FreshAsync(provider, target, suffix).GetAwaiter().GetResult();

long Size(StorageOptions o)
{
    if (o.Provider == StorageProvider.Sqlite)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return new[] { "", "-wal" }.Sum(s => File.Exists(o.SqlitePath + s) ? new FileInfo(o.SqlitePath + s).Length : 0);
    }
    using var c = new Npgsql.NpgsqlConnection(o.ConnectionString);
    c.Open();
    using var cmd = c.CreateCommand();
    cmd.CommandText = "SELECT pg_database_size(current_database())";
    return (long)cmd.ExecuteScalar()!;
}

Console.WriteLine($"provider={provider} patients={patients:N0} cores={Environment.ProcessorCount} dotnet={Environment.Version}");
if (phase is "both" or "generate")
{
    var o = Fresh("-gen");
    var sw = Stopwatch.StartNew();
    var result = await new BoroughGenerator(o).GenerateAsync(new BoroughSpec(patients, 42, asOf), null, default);
    sw.Stop();
    Console.WriteLine($"generate: {sw.Elapsed.TotalSeconds:F1} s, {result.TotalRows:N0} rows, {result.TotalRows / sw.Elapsed.TotalSeconds:N0} rows/s, " +
                      $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB, database {Size(o) / 1048576} MiB");
}
if (phase is "both" or "floor")
{
    var o = Fresh("-floor");
    await using (var ctx = JoinedUpStorage.CreateContext(o)) await new DatabaseMigrator(ctx, o).MigrateAsync(default);

    // Make the rows first, outside the timing; the directory rows the generator adds are not part of the floor.
    var catalogue = ServiceCatalogue.LoadDefault();
    var plan = new BoroughPlan(42);
    for (var i = 0; i < plan.Practices.Count; i++) plan.Practices[i].Id = i + 1;
    var synth = new PatientSynthesizer(plan, 42, asOf, catalogue.Borough.PostcodeDistricts);
    var nhs = new NhsNumberSequence(42);
    var chunk = new RowChunk();
    for (var i = 0; i < patients; i++) synth.Add(i, nhs.Next(), chunk);
    var rows = chunk.Count;

    var conn = await JoinedUpStorage.OpenConnectionAsync(o, default);
    await using (conn)
    {
        if (conn is Microsoft.Data.Sqlite.SqliteConnection)
        {
            await using var pragma = conn.CreateCommand();
            pragma.CommandText = "PRAGMA cache_size = -262144"; // the same page cache the generator uses
            await pragma.ExecuteNonQueryAsync();
        }
        // Practices the rows point at, so foreign keys hold.
        await using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = string.Join(";", plan.Practices.Select((p, i) => $"INSERT INTO organisation (id, ods_code, name, kind) VALUES ({i + 1}, '{p.OdsCode}', 'x', 1)"));
            await cmd.ExecuteNonQueryAsync();
        }
        var sw = Stopwatch.StartNew();
        await using var tx = await conn.BeginTransactionAsync();
        foreach (var table in BoroughTables.All)
        {
            var list = chunk.Rows(table);
            if (conn is Npgsql.NpgsqlConnection pg)
            {
                await using var imp = await pg.BeginBinaryImportAsync($"COPY {table.Name} ({string.Join(", ", table.Columns)}) FROM STDIN (FORMAT BINARY)");
                foreach (var row in list)
                {
                    imp.StartRow();
                    foreach (var v in row)
                    {
                        switch (v)
                        {
                            case null: imp.WriteNull(); break;
                            case string s: imp.Write(s, NpgsqlTypes.NpgsqlDbType.Text); break;
                            case int n: imp.Write(n, NpgsqlTypes.NpgsqlDbType.Integer); break;
                            case long l: imp.Write(l, NpgsqlTypes.NpgsqlDbType.Bigint); break;
                            case double d: imp.Write(d, NpgsqlTypes.NpgsqlDbType.Double); break;
                            case bool b: imp.Write(b, NpgsqlTypes.NpgsqlDbType.Boolean); break;
                            case DateOnly dd: imp.Write(dd, NpgsqlTypes.NpgsqlDbType.Date); break;
                            case DateTime dt: imp.Write(dt, NpgsqlTypes.NpgsqlDbType.TimestampTz); break;
                        }
                    }
                }
                await imp.CompleteAsync();
            }
            else
            {
                var sq = (Microsoft.Data.Sqlite.SqliteConnection)conn;
                await using var cmd = sq.CreateCommand();
                cmd.Transaction = (Microsoft.Data.Sqlite.SqliteTransaction)tx;
                cmd.CommandText = $"INSERT INTO {table.Name} ({string.Join(", ", table.Columns)}) VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"$p{i}"))})";
                var ps = table.Columns.Select((_, i) => cmd.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter($"$p{i}", null))).ToArray();
                cmd.Prepare();
                foreach (var row in list)
                {
                    for (var c = 0; c < row.Length; c++) ps[c].Value = row[c] ?? DBNull.Value;
                    cmd.ExecuteNonQuery();
                }
            }
        }
        await tx.CommitAsync();
        sw.Stop();
        Console.WriteLine($"floor: {sw.Elapsed.TotalSeconds:F1} s, {rows:N0} rows, {rows / sw.Elapsed.TotalSeconds:N0} rows/s (rows made beforehand and held in memory), " +
                          $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB, database {Size(o) / 1048576} MiB");
    }
}
