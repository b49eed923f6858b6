using Hl7.Fhir.Rest;
using JoinedUp.Tests.Security;

namespace JoinedUp.Tests.Fhir;

/// <summary>The Firely FhirClient pointed at the in-process app, optionally with a bearer token: a real FHIR client for every FHIR test.</summary>
internal static class FhirTestClient
{
    private sealed class BearerHandler(string token, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return base.SendAsync(request, cancellationToken);
        }
    }

    public static FhirClient For(SecureApp app, string? token) =>
        new(new Uri(app.Factory.Server.BaseAddress, "/fhir"),
            new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = false },
            token is null ? app.Factory.Server.CreateHandler() : new BearerHandler(token, app.Factory.Server.CreateHandler()));
}
