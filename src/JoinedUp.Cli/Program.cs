using System.CommandLine;
using JoinedUp.Cli;

// `joinedup` — the JoinedUp command line tool. Run `joinedup --help` (or any command with --help).
var root = new RootCommand("JoinedUp: joined-up community health services. Manage the database, the synthetic borough, FHIR imports, the audit trail and the outcomes contract's payments.");
root.Subcommands.Add(Commands.Db());
root.Subcommands.Add(Commands.Generate());
root.Subcommands.Add(Commands.Stats());
root.Subcommands.Add(Commands.Catalogue());
root.Subcommands.Add(Commands.TriageRules());
root.Subcommands.Add(Commands.Import());
root.Subcommands.Add(Commands.Audit());
root.Subcommands.Add(OutcomesCommands.Measures());
root.Subcommands.Add(OutcomesCommands.Outcomes());
root.Subcommands.Add(PaymentCommands.Payment());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
