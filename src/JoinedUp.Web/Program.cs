using JoinedUp.Storage;
using JoinedUp.Web;
using Serilog;

var builder = WebApplication.CreateBuilder(args);

// Structured logs to the console. No patient identifiers are ever logged: log ids and counts, never names or NHS numbers.
builder.Host.UseSerilog((context, log) => log
    .ReadFrom.Configuration(context.Configuration)
    .Enrich.FromLogContext()
    .WriteTo.Console());

var storage = new StorageOptions();
builder.Configuration.GetSection(StorageOptions.SectionName).Bind(storage);
builder.Services.AddJoinedUpStorage(storage);
builder.Services.Configure<DemoOptions>(builder.Configuration.GetSection(DemoOptions.SectionName));
builder.Services.AddHostedService<StartupTasks>();
builder.Services.AddSingleton<StartupState>();
builder.Services.AddRazorComponents();
builder.Services.AddOpenApi();
builder.Services.AddProblemDetails();
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSecurityHeaders();
app.UseSerilogRequestLogging();
app.UseStaticFiles();
app.UseAntiforgery();

app.MapOpenApi();
app.MapHealth();
app.MapDirectoryApi();
app.MapRazorComponents<JoinedUp.Web.Components.App>();

await app.RunAsync().ConfigureAwait(false);

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
