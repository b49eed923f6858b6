using JoinedUp.Storage;
using JoinedUp.Web;
using JoinedUp.Web.Access;
using JoinedUp.Web.Care;
using JoinedUp.Web.Fhir;
using JoinedUp.Web.Outcomes;
using JoinedUp.Web.Record;
using JoinedUp.Web.Security;
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
var demo = builder.Configuration.GetValue<bool>($"{DemoOptions.SectionName}:Enabled");
if (demo && builder.Environment.IsProduction())
{
    throw new InvalidOperationException("Demo:Enabled is true in the Production environment. Demo sign-ins share a published password: run the demo with ASPNETCORE_ENVIRONMENT=Demo (scripts/run.sh does), never in production.");
}
var auth = builder.AddJoinedUpSecurity(demo);
builder.Services.AddScoped<ClientRegistrar>();
builder.Services.AddScoped<DemoSecurity>();
builder.Services.AddHostedService<StartupTasks>();
builder.Services.AddSingleton<StartupState>();
builder.Services.Configure<JoinedUp.Web.Fhir.ExportOptions>(builder.Configuration.GetSection("Fhir"));
builder.Services.AddSingleton<JoinedUp.Web.Fhir.ExportJobs>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<JoinedUp.Web.Fhir.ExportJobs>());
builder.Services.AddSingleton<JoinedUp.Access.AccessDirectory>();
builder.Services.AddSingleton<JoinedUp.Access.IntakeWriter>();
builder.Services.AddScoped<JoinedUp.Access.ReferralIntake>();
builder.Services.AddScoped<JoinedUp.Access.ReferralTriage>();
builder.Services.AddScoped<JoinedUp.Access.ReferralQueries>();
builder.Services.AddScoped<JoinedUp.Access.TriageRulesStore>();
builder.Services.AddScoped<JoinedUp.Care.CarePlanService>();
builder.Services.AddScoped<JoinedUp.Care.NavigationService>();
builder.Services.AddScoped<JoinedUp.Care.CareTaskQueries>();
builder.Services.AddScoped<JoinedUp.Care.EscalationService>();
builder.Services.AddScoped<JoinedUp.Care.CareWorklists>();
builder.Services.AddScoped<JoinedUp.Care.JourneyService>();
builder.Services.AddScoped<JoinedUp.Care.MyCareService>();
builder.Services.AddScoped<JoinedUp.Outcomes.Experience.ExperienceAnswerService>();
// The outcomes framework: the built-in definitions, or an analyst's folder (Outcomes__DefinitionsPath). Read at start-up,
// so a folder with problems stops the app with every problem listed instead of failing on the first page.
var measureLibrary = builder.Configuration["Outcomes:DefinitionsPath"] is { Length: > 0 } definitionsPath
    ? JoinedUp.Outcomes.Measures.MeasureLibrary.LoadDirectory(definitionsPath)
    : JoinedUp.Outcomes.Measures.MeasureLibrary.LoadDefault();
builder.Services.AddSingleton(measureLibrary);
builder.Services.AddSingleton<JoinedUp.Outcomes.Measures.OutcomesRunner>();
builder.Services.AddScoped<JoinedUp.Outcomes.Results.OutcomesReports>();
builder.Services.AddScoped<JoinedUp.Outcomes.Payments.IssuedStatements>();
builder.Services.AddScoped<JoinedUp.Outcomes.Results.MeasurePatientLists>();
builder.Services.AddSingleton(_ => JoinedUp.Outcomes.Payments.PaymentContract.LoadDefault() is { Ok: true } load
    ? load.Contract!
    : throw new InvalidOperationException("The built-in payment contract has problems; run the payment tests."));
// After StartupTasks: the scheduler's tables come from the migrations it applies.
builder.AddCareScheduler(storage);
// Enumerations travel as their names ("Within2Hours", "Routine"), never as numbers a client must look up.
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
builder.Services.AddRazorComponents();
builder.Services.AddOpenApi();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<BadRequestHandler>();
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");

var app = builder.Build();
// Only proxies named in Security:KnownProxies are believed about the client's address and scheme.
app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSecurityHeaders();
app.UseSerilogRequestLogging();
app.UseStaticFiles();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapOpenApi().AllowAnonymous();
app.MapHealth();
app.MapDirectoryApi();
app.MapSignIn(auth);
app.MapRecordApi();
app.MapSecurityApi();
app.MapSecurityForms();
app.MapReferralApi();
app.MapCarePlanApi();
app.MapCareWorklistApi();
JoinedUp.Web.Outcomes.ExperienceApi.MapExperienceApi(app);
app.MapOutcomesApi();
JoinedUp.Web.Outcomes.PatientListApi.MapPatientListApi(app);
app.MapFhir();
app.MapRazorComponents<JoinedUp.Web.Components.App>();

await app.RunAsync().ConfigureAwait(false);

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
