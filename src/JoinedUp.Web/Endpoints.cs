using System.Text.Json;
using JoinedUp.Directory;
using JoinedUp.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JoinedUp.Web;

/// <summary>Checks that the database answers a query.</summary>
internal sealed class DatabaseHealthCheck(JoinedUpDbContext db, StorageOptions storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var services = await db.Services.CountAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{storage.Provider} answers ({services} services in the catalogue).");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{storage.Provider} does not answer: {ex.GetType().Name}.");
        }
    }
}

internal static class Endpoints
{
    public static void MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = async (context, report) =>
            {
                context.Response.ContentType = "application/json";
                await JsonSerializer.SerializeAsync(context.Response.Body, new
                {
                    status = report.Status.ToString(),
                    checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
                }, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            },
        }).AllowAnonymous();
    }

    /// <summary>Read-only directory API: the service catalogue is public information.</summary>
    public static void MapDirectoryApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/directory").WithTags("Directory").AllowAnonymous();
        group.MapGet("/services", async (JoinedUpDbContext db, CancellationToken ct) =>
            TypedResults.Ok(await db.Services.AsNoTracking().OrderBy(s => s.Line).ThenBy(s => s.Name).Select(ServiceDto.FromService).ToListAsync(ct).ConfigureAwait(false)))
            .WithName("ListServices").WithSummary("The service catalogue: every service with eligibility, hours, capacity and sensitivity.");
        group.MapGet("/services/{code}", async Task<Results<Ok<ServiceDto>, NotFound<ProblemDetailsLike>>> (string code, JoinedUpDbContext db, CancellationToken ct) =>
            {
                var service = await db.Services.AsNoTracking().Where(x => x.Code == code).Select(ServiceDto.FromService).FirstOrDefaultAsync(ct).ConfigureAwait(false);
                return service is null
                    ? TypedResults.NotFound(new ProblemDetailsLike("Service not found", $"No service has the code '{code}'. GET /api/directory/services lists them.", 404))
                    : TypedResults.Ok(service);
            })
            .WithName("GetService").WithSummary("One service from the catalogue by its code.");
        group.MapGet("/networks", async (JoinedUpDbContext db, CancellationToken ct) =>
            TypedResults.Ok(await db.Networks.AsNoTracking().OrderBy(n => n.Code)
                .Select(n => new NetworkDto(n.Code, n.Name, n.Practices.OrderBy(p => p.OdsCode).Select(p => new PracticeDto(p.OdsCode, p.Name, p.Postcode)).ToList()))
                .ToListAsync(ct).ConfigureAwait(false)))
            .WithName("ListNetworks").WithSummary("Networks of GP practices and their practices.");
    }
}

public sealed record ServiceDto(string Code, string Name, string Line, string ProviderCode, string ProviderName, int? MinAgeYears, int? MaxAgeYears,
    List<string> EligibleConditionCodes, bool BoroughResidentsOnly, string Availability, string OpenDays, TimeOnly OpensAt, TimeOnly ClosesAt, int WeeklyCapacity, bool Sensitive)
{
    /// <summary>The projection, translated to SQL by EF.</summary>
    public static readonly System.Linq.Expressions.Expression<Func<Service, ServiceDto>> FromService = s => new ServiceDto(
        s.Code, s.Name, s.Line.ToString(), s.Provider!.OdsCode, s.Provider.Name, s.MinAgeYears, s.MaxAgeYears, s.EligibleConditionCodes,
        s.BoroughResidentsOnly, s.Availability.ToString(), s.OpenDays.ToString(), s.OpensAt, s.ClosesAt, s.WeeklyCapacity, s.IsSensitive);
}

public sealed record NetworkDto(string Code, string Name, List<PracticeDto> Practices);

public sealed record PracticeDto(string OdsCode, string Name, string? Postcode);

public sealed record ProblemDetailsLike(string Title, string Detail, int Status);

internal static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var h = context.Response.Headers;
        h["X-Content-Type-Options"] = "nosniff";
        h["X-Frame-Options"] = "DENY";
        h["Referrer-Policy"] = "no-referrer";
        h["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
        await next().ConfigureAwait(false);
    });
}
