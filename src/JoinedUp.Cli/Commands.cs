using System.CommandLine;
using System.Globalization;
using JoinedUp.Directory.Catalogue;
using JoinedUp.Fhir;
using JoinedUp.Record;
using JoinedUp.Record.Synthetic;
using JoinedUp.Storage;
using Microsoft.Extensions.Configuration;

namespace JoinedUp.Cli;

/// <summary>The commands of the `joinedup` tool. Each one prints a plain result and returns 0, or a clear message on stderr and a non-zero code.</summary>
internal static class Commands
{
    private const int ExitFailure = 1;
    private const int ExitBadInput = 2;

    /// <summary>`audit verify` found the chain broken: a row was changed, removed or inserted.</summary>
    private const int ExitTampered = 3;

    /// <summary>`audit verify` found keyed rows but was not given the key to check them.</summary>
    private const int ExitUnchecked = 4;

    /// <summary>`import` stored what it could, but some entries of kept types could not be stored.</summary>
    private const int ExitPartial = 5;

    internal static Option<string?> DatabaseOption() => new("--database")
    {
        Description = "SQLite database file to use (default: data/joinedup.db, or Storage__* settings such as Storage__Provider=Postgres and Storage__ConnectionString).",
    };

    public static Command Db()
    {
        var db = new Command("db", "Database schema commands.");
        var migrate = new Command("migrate", "Create the database or bring its schema up to date. A failed migrate leaves the database as it was.");
        var database = DatabaseOption();
        migrate.Options.Add(database);
        migrate.SetAction((parse, ct) => Run(async () =>
        {
            var storage = Storage(parse.GetValue(database));
            await using var context = JoinedUpStorage.CreateContext(storage);
            var applied = await new DatabaseMigrator(context, storage).MigrateAsync(ct).ConfigureAwait(false);
            Console.WriteLine(applied.Count == 0
                ? $"The {storage.Describe()} is up to date."
                : $"Applied {applied.Count} migration(s) to the {storage.Describe()}: {string.Join(", ", applied)}.");
            return 0;
        }));
        db.Subcommands.Add(migrate);
        return db;
    }

    public static Command Generate()
    {
        var patients = new Option<int>("--patients") { Description = "How many patients to generate (the full borough is 330000).", DefaultValueFactory = _ => 10_000 };
        var seed = new Option<long>("--seed") { Description = "Random seed: the same seed gives the same borough.", DefaultValueFactory = _ => 42 };
        var asOf = new Option<string?>("--as-of") { Description = "Date the borough's record runs up to, yyyy-MM-dd (default: today). Only moves dates; who has what stays the same." };
        var replace = new Option<bool>("--replace") { Description = "Delete the borough already in the database first (in the same transaction)." };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the summary, no progress." };
        var database = DatabaseOption();
        var cmd = new Command("generate", "Generate a deterministic synthetic borough: 36 practices in 8 networks, patients with NHS numbers in the 999 test range, three years of records.")
        {
            patients, seed, asOf, replace, quiet, database,
        };
        cmd.SetAction((parse, ct) => Run(async () =>
        {
            var date = DateOnly.FromDateTime(DateTime.UtcNow);
            var asOfText = parse.GetValue(asOf);
            if (asOfText is not null && !DateOnly.TryParseExact(asOfText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            {
                return BadInput($"--as-of '{asOfText}' is not a date; use yyyy-MM-dd, for example 2026-03-31.");
            }
            var storage = Storage(parse.GetValue(database));
            var spec = new BoroughSpec(parse.GetValue(patients), parse.GetValue(seed), date) { Replace = parse.GetValue(replace) };
            var bar = parse.GetValue(quiet) ? null : new ProgressBar(Console.Error);
            Console.Error.WriteLine($"Generating {spec.Patients:N0} patients (seed {spec.Seed}, as of {spec.AsOf:yyyy-MM-dd}) into the {storage.Describe()}.");
            var result = await new BoroughGenerator(storage).GenerateAsync(spec, bar, ct).ConfigureAwait(false);
            bar?.Done();
            Console.WriteLine($"Generated {result.Patients:N0} patients in {result.Practices} practices and {result.Networks} networks, {result.Staff} staff.");
            foreach (var (table, count) in result.RowsByTable) Console.WriteLine($"  {table,-22}{count,12:N0}");
            Console.WriteLine($"  {"total rows",-22}{result.TotalRows,12:N0}");
            Console.WriteLine($"Took {result.Elapsed.TotalSeconds:F1} s ({result.TotalRows / Math.Max(0.001, result.Elapsed.TotalSeconds):N0} rows/s).");
            return 0;
        }));
        return cmd;
    }

    public static Command Stats()
    {
        var database = DatabaseOption();
        var cmd = new Command("stats", "Counts by table, by network and by practice.") { database };
        cmd.SetAction((parse, ct) => Run(async () =>
        {
            var storage = Storage(parse.GetValue(database));
            await using var context = JoinedUpStorage.CreateContext(storage);
            var pending = await new DatabaseMigrator(context, storage).PendingAsync(ct).ConfigureAwait(false);
            if (pending.Count > 0)
            {
                return BadInput($"The {storage.Describe()} is not up to date ({pending.Count} migration(s) pending). Run `joinedup db migrate` first.");
            }
            var stats = await BoroughStatistics.ReadAsync(context, ct).ConfigureAwait(false);
            Console.WriteLine($"JoinedUp record in the {storage.Describe()}");
            Console.WriteLine();
            Console.WriteLine("Rows by table");
            foreach (var (table, count) in stats.Tables) Console.WriteLine($"  {table,-24}{count,12:N0}");
            Console.WriteLine();
            Console.WriteLine("Patients by network");
            foreach (var n in stats.Networks) Console.WriteLine($"  {n.Name,-32}{n.Practices,4} practices{n.Patients,10:N0} patients");
            Console.WriteLine();
            Console.WriteLine("Patients by practice");
            foreach (var p in stats.Practices) Console.WriteLine($"  {p.OdsCode,-8}{p.Name,-40}{p.Network,-28}{p.Patients,8:N0}");
            Console.WriteLine();
            Console.WriteLine($"Patients without an NHS number (flagged for tracing): {stats.WithoutNhsNumber:N0}");
            return 0;
        }));
        return cmd;
    }

    public static Command Catalogue()
    {
        var catalogue = new Command("catalogue", "The service catalogue.");
        var path = new Argument<string>("path") { Description = "Catalogue JSON file to check (see src/JoinedUp.Core/Directory/Catalogue/catalogue.json)." };
        var validate = new Command("validate", "Check a catalogue file and list every problem in it.") { path };
        validate.SetAction((parse, ct) => Run(() =>
        {
            var c = ServiceCatalogue.Load(parse.GetValue(path)!);
            Console.WriteLine($"The catalogue is valid: {c.Organisations.Count} organisations, {c.Services.Count} services ({c.Services.Count(s => s.IsSensitive)} sensitive) for {c.Borough.Name}.");
            return Task.FromResult(0);
        }));
        catalogue.Subcommands.Add(validate);
        return catalogue;
    }

    public static Command TriageRules()
    {
        var rules = new Command("triage-rules", "The single point of access's triage rules (urgency, routing, out of hours, bookings).");
        var path = new Argument<string>("path") { Description = "Triage rules JSON file to check (start from `joinedup triage-rules default`)." };
        var catalogue = new Option<string?>("--catalogue") { Description = "Check service codes against this catalogue file instead of the built-in one." };
        var validate = new Command("validate", "Check a triage rules file against the service catalogue and list every problem in it.") { path, catalogue };
        validate.SetAction((parse, ct) => Run(async () =>
        {
            var file = parse.GetValue(path)!;
            if (!File.Exists(file)) return BadInput($"The triage rules file '{file}' does not exist.");
            var cat = parse.GetValue(catalogue) is { } c ? ServiceCatalogue.Load(c) : ServiceCatalogue.LoadDefault();
            var text = await File.ReadAllTextAsync(file, ct).ConfigureAwait(false);
            var set = JoinedUp.Access.TriageRuleSet.Parse(text, cat.Services.Select(s => s.Code).ToList(), 1, file);
            Console.WriteLine($"The triage rules are valid: {set.UrgencyRules.Count} urgency rules and {set.RouteRules.Count} route rules, against {cat.Services.Count} services. An administrator loads them at /admin/triage-rules (every version is kept).");
            return 0;
        }));
        var show = new Command("default", "Print the built-in triage rules as JSON, to start editing from.");
        show.SetAction((parse, ct) => Run(() =>
        {
            Console.WriteLine(JoinedUp.Access.TriageRuleSet.LoadDefault().ToJson());
            return Task.FromResult(0);
        }));
        rules.Subcommands.Add(validate);
        rules.Subcommands.Add(show);
        return rules;
    }

    public static Command Audit()
    {
        var audit = new Command("audit", "The audit trail of every access to patient data.");
        var database = DatabaseOption();
        var verify = new Command("verify", "Recompute the audit trail's hash chain and report any row that was changed, removed or inserted. " +
            "Keyed rows need the audit key in Security__AuditKey. Exit code 0: intact; 3: tampered; 4: keyed rows could not be checked (no key).") { database };
        verify.SetAction((parse, ct) => Run(async () =>
        {
            var storage = Storage(parse.GetValue(database));
            byte[]? key;
            try
            {
                key = JoinedUp.Security.Audit.AuditChain.ParseKey(Environment.GetEnvironmentVariable("Security__AuditKey"));
            }
            catch (FormatException ex)
            {
                return BadInput(ex.Message);
            }
            var progress = new Progress<long>(rows => Console.Error.WriteLine($"  checked {rows:N0} rows..."));
            var result = await JoinedUp.Security.Audit.AuditVerifier.VerifyAsync(storage, key, progress, ct).ConfigureAwait(false);
            if (result.Intact)
            {
                Console.WriteLine($"Audit trail intact: {result.RowsChecked:N0} rows checked in the {storage.Describe()}.");
                Console.WriteLine(result.KeyedRows == 0
                    ? "No row is keyed (Security__AuditKey was not set when they were written)."
                    : $"{result.KeyedRows:N0} rows are keyed, from row {result.FirstKeyedId}.");
                if (result.LastHash is not null) Console.WriteLine($"Last hash: {result.LastHash} (record it with the row count outside the database: a later run must still contain it).");
                if (result.UncheckedKeyedRows > 0)
                {
                    Console.Error.WriteLine($"warning: {result.UncheckedKeyedRows:N0} keyed rows were not checked: set Security__AuditKey to check them.");
                    return ExitUnchecked;
                }
                return 0;
            }
            Console.Error.WriteLine($"error: audit trail TAMPERED: {result.Broken:N0} of {result.RowsChecked:N0} rows fail the check; first: {result.FirstProblem}.");
            return ExitTampered;
        }));
        audit.Subcommands.Add(verify);
        return audit;
    }

    public static Command Import()
    {
        var path = new Argument<string>("PATH") { Description = "A folder of FHIR bundles (.json: transaction, batch or collection) and/or NDJSON files (.ndjson, one resource per line), or one such file." };
        var practice = new Option<string?>("--practice") { Description = "ODS code of the borough GP practice to register patients with when they name none (e.g. Synthea's patients)." };
        var chunk = new Option<int>("--chunk") { Description = "NDJSON lines committed per transaction (with the checkpoint that makes the import resumable).", DefaultValueFactory = _ => 2000 };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the summary, no progress." };
        var database = DatabaseOption();
        var cmd = new Command("import", "Import FHIR data into the shared record. Stores what JoinedUp keeps (Patient, Encounter, Condition, Observation, " +
            "Immunization, MedicationStatement, AllergyIntolerance, Procedure) and reports the rest by type, count and reason. Resumable: run it again " +
            "after a crash or a fix and it carries on without storing anything twice. Exit code 0: all kept types stored; 5: some entries could not be stored (see the summary).")
        {
            path, practice, chunk, quiet, database,
        };
        cmd.SetAction((parse, ct) => Run(async () =>
        {
            if (parse.GetValue(chunk) is < 1 or > 100_000) return BadInput("--chunk must be between 1 and 100000.");
            BulkImporter.Files(parse.GetValue(path)!); // a missing or empty PATH is said before anything else
            var storage = Storage(parse.GetValue(database));
            await using (var context = JoinedUpStorage.CreateContext(storage))
            {
                var pending = await new DatabaseMigrator(context, storage).PendingAsync(ct).ConfigureAwait(false);
                if (pending.Count > 0) return BadInput($"The {storage.Describe()} is not up to date ({pending.Count} migration(s) pending). Run `joinedup db migrate` first.");
            }
            byte[]? key;
            try
            {
                key = JoinedUp.Security.Audit.AuditChain.ParseKey(Environment.GetEnvironmentVariable("Security__AuditKey"));
            }
            catch (FormatException ex)
            {
                return BadInput(ex.Message);
            }
            await using var audit = new JoinedUp.Security.Audit.AuditTrail(storage, Microsoft.Extensions.Logging.Abstractions.NullLogger<JoinedUp.Security.Audit.AuditTrail>.Instance, key);
            var bar = parse.GetValue(quiet) ? null : new ProgressBar(Console.Error);
            var options = new ImportOptions { PracticeCode = parse.GetValue(practice), ChunkSize = parse.GetValue(chunk) };
            var summary = await new BulkImporter(storage, audit, TimeProvider.System).ImportAsync(parse.GetValue(path)!, options, bar, ct).ConfigureAwait(false);
            bar?.Done();
            PrintSummary(summary, storage);
            return summary.Failed > 0 ? ExitPartial : 0;
        }));
        return cmd;
    }

    private static void PrintSummary(ImportSummary summary, StorageOptions storage)
    {
        var seconds = Math.Max(0.001, summary.Elapsed.TotalSeconds);
        Console.WriteLine($"Imported {summary.FilesImported.Count:N0} file(s) into the {storage.Describe()} in {summary.Elapsed.TotalSeconds:F1} s: " +
            $"{summary.StoredTotal:N0} resources stored ({summary.StoredTotal / seconds:N0}/s).");
        if (summary.FilesAlreadyImported.Count > 0) Console.WriteLine($"Skipped {summary.FilesAlreadyImported.Count:N0} file(s) imported completely before.");
        foreach (var (file, from) in summary.FilesResumed) Console.WriteLine($"Resumed {file} after entry {from:N0} (an earlier run stopped there).");
        if (summary.Stored.Count > 0)
        {
            Console.WriteLine("Stored:");
            foreach (var (type, count) in summary.Stored) Console.WriteLine($"  {type,-22}{count,10:N0}");
        }
        if (summary.AlreadyPresent.Count > 0)
        {
            Console.WriteLine("Already in the record (not stored again):");
            foreach (var (type, count) in summary.AlreadyPresent) Console.WriteLine($"  {type,-22}{count,10:N0}");
        }
        if (summary.NotStored.Count > 0)
        {
            Console.WriteLine("Not stored:");
            foreach (var ((type, reason), count) in summary.NotStored) Console.WriteLine($"  {type,-22}{count,10:N0}  {reason}");
        }
        if (summary.Failed > 0)
        {
            Console.Error.WriteLine($"warning: {summary.Failed:N0} entries of kept types could not be stored (reasons above). Fix them and run the same command again: what is stored already is not stored twice.");
        }
    }

    /// <summary>Storage settings from the environment (Storage__*), with --database overriding the SQLite path.</summary>
    internal static StorageOptions Storage(string? database)
    {
        var config = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var options = new StorageOptions();
        config.GetSection(StorageOptions.SectionName).Bind(options);
        if (database is not null)
        {
            options.Provider = StorageProvider.Sqlite;
            options.ConnectionString = null;
            options.SqlitePath = database;
        }
        options.Validate();
        return options;
    }

    private static int BadInput(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return ExitBadInput;
    }

    /// <summary>Runs a command, turning the failures a user can fix into one clear line instead of a stack trace.</summary>
    internal static async Task<int> Run(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StorageConfigurationException or StorageUnavailableException or JoinedUp.Outcomes.Measures.MeasureLibraryException or GenerateRefusedException or CatalogueException or ImportRefusedException or JoinedUp.Access.TriageRulesException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ex is StorageUnavailableException ? ExitFailure : ExitBadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Cancelled: nothing was changed.");
            return ExitFailure;
        }
    }
}
