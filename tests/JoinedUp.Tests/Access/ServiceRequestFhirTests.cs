using System.Net;
using System.Net.Http.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Fhir;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;
using FhirTask = Hl7.Fhir.Model.Task;

namespace JoinedUp.Tests.Access;

/// <summary>Referrals over FHIR with the Firely client: ServiceRequest conditional create, Task workflow, the assessment as QuestionnaireResponse.</summary>
public class ServiceRequestFhirTests
{
    private static ServiceRequest Referral(long patientId, string identifier) => new()
    {
        Status = RequestStatus.Active,
        Intent = RequestIntent.Order,
        Priority = RequestPriority.Routine,
        Subject = new ResourceReference($"Patient/{patientId}"),
        Identifier = [new Identifier("https://gp.example/referrals", identifier)],
        ReasonCode = [new CodeableConcept { Text = "Type 2 diabetes, numb feet: diabetic foot check and education" }],
        Category = [new CodeableConcept("https://joinedup.example/fhir/CodeSystem/referral-source", "gp")],
    };

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task A_ServiceRequest_sent_twice_with_If_None_Exist_makes_one_referral_whose_Tasks_follow_triage_and_acceptance(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var gp = FhirTestClient.For(app, await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var id = Guid.NewGuid().ToString();
        var condition = new SearchParams().Add("identifier", $"https://gp.example/referrals|{id}");

        var created = await gp.ConditionalCreateAsync(Referral(patient, id), condition);
        Assert.NotNull(created);
        Assert.Matches("^R-[2-9A-HJ-NP-Z]{8}$", created!.Id);
        Assert.Equal("201", gp.LastResult!.Status!.Split(' ')[0]);
        var again = await gp.ConditionalCreateAsync(Referral(patient, id), condition);
        Assert.Equal("200", gp.LastResult!.Status!.Split(' ')[0]);
        Assert.Equal(created.Id, again!.Id);
        Assert.Equal(1, await app.QueryAsync(db => db.Referrals.CountAsync(r => r.PatientId == patient)));

        // Read back and find by identifier; the workflow starts with the triage task.
        var read = await gp.ReadAsync<ServiceRequest>($"ServiceRequest/{created.Id}");
        Assert.Equal($"Patient/{patient}", read!.Subject.Reference);
        var found = await gp.SearchAsync<ServiceRequest>(new SearchParams().Add("identifier", $"https://gp.example/referrals|{id}"));
        Assert.Equal(created.Id, Assert.Single(found!.Entry).Resource!.Id);
        var tasks = await gp.SearchAsync<FhirTask>(new SearchParams().Add("focus", $"ServiceRequest/{created.Id}"));
        var triageTask = Assert.Single(tasks!.Entry.Select(e => e.Resource).OfType<FhirTask>());
        Assert.Equal(FhirTask.TaskStatus.Requested, triageTask.Status);

        // The coordinator routes it to foot health; the podiatry team accepts through Task.
        using var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator));
        var version = (await SecureApp.JsonAsync(await spa.GetAsync($"/api/referrals/{created.Id}/triage"))).GetProperty("version").GetInt32();
        var routed = await spa.PostAsJsonAsync($"/api/referrals/{created.Id}/triage", new
        {
            services = new[] { "foot-health" }, urgency = "routine", overrideReason = "Foot check first, education later", version,
            answers = new Dictionary<string, string?> { ["what-matters"] = "Keep walking to the mosque", ["living"] = "With family", ["mobility"] = "Independent", ["falls"] = "no" },
        });
        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
        tasks = await gp.SearchAsync<FhirTask>(new SearchParams().Add("focus", $"ServiceRequest/{created.Id}"));
        var all = tasks!.Entry.Select(e => e.Resource).OfType<FhirTask>().ToList();
        Assert.Equal(FhirTask.TaskStatus.Completed, all.Single(t => t.Id?.EndsWith(".triage", StringComparison.Ordinal) == true).Status);
        var podiatryTask = all.Single(t => t.Owner?.Display == "Foot health (podiatry)");
        Assert.Equal(FhirTask.TaskStatus.Requested, podiatryTask.Status);

        using var podiatristBrowser = await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "foot-health"));
        var (token, _) = await SecureApp.AuthorizationCodeAsync(podiatristBrowser, "user/*.cruds");
        var podiatrist = FhirTestClient.For(app, token);
        podiatryTask.Status = FhirTask.TaskStatus.Accepted;
        await podiatrist.UpdateAsync(podiatryTask);
        var accepted = await podiatrist.ReadAsync<FhirTask>($"Task/{podiatryTask.Id}");
        Assert.Equal(FhirTask.TaskStatus.Accepted, accepted!.Status);
        // Rejecting an accepted task is a conflict with a message, not a silent change.
        accepted.Status = FhirTask.TaskStatus.Rejected;
        accepted.StatusReason = new CodeableConcept { Text = "Changed our mind about this one" };
        var conflict = await Assert.ThrowsAsync<FhirOperationException>(() => podiatrist.UpdateAsync(accepted));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);

        // The episode's holistic assessment is a QuestionnaireResponse the accepting team can read.
        var withAssessment = await podiatrist.ReadAsync<ServiceRequest>($"ServiceRequest/{created.Id}");
        var assessmentRef = withAssessment!.SupportingInfo.Single(s => s.Reference?.StartsWith("QuestionnaireResponse/", StringComparison.Ordinal) == true).Reference!;
        var response = await podiatrist.ReadAsync<QuestionnaireResponse>(assessmentRef);
        Assert.Equal("https://joinedup.example/fhir/Questionnaire/holistic-assessment", response!.Questionnaire);
        Assert.Contains(response.Item, i => i.LinkId == "what-matters" && i.Answer[0].Value?.ToString() == "Keep walking to the mosque");
        var questionnaire = await podiatrist.ReadAsync<Questionnaire>("Questionnaire/holistic-assessment");
        Assert.Contains(questionnaire!.Item, i => i.LinkId == "what-matters" && i.Required == true);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task A_bad_ServiceRequest_gets_an_OperationOutcome_naming_the_element_and_nothing_is_stored(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var stranger = await app.StrangerAsync();
        var gp = FhirTestClient.For(app, await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var before = await app.QueryAsync(db => db.Referrals.CountAsync());

        async System.Threading.Tasks.Task Expect(ServiceRequest sr, HttpStatusCode status, string expression, string words)
        {
            var ex = await Assert.ThrowsAsync<FhirOperationException>(() => gp.CreateAsync(sr));
            Assert.Equal(status, ex.Status);
            var issue = Assert.Single(ex.Outcome!.Issue, i => i.Expression.Any(e => e != null && e.Contains(expression, StringComparison.Ordinal)));
            Assert.Contains(words, issue.Diagnostics, StringComparison.OrdinalIgnoreCase);
        }

        var noSubject = Referral(patient, "a");
        noSubject.Subject = null!;
        // The subject is required by FHIR itself: the strict parser refuses it before intake sees it.
        await Expect(noSubject, HttpStatusCode.BadRequest, "subject", "subject");
        var noReason = Referral(patient, "b");
        noReason.ReasonCode = [];
        await Expect(noReason, (HttpStatusCode)422, "ServiceRequest.reasonCode", "Say why");
        var badService = Referral(patient, "c");
        badService.Performer = [new ResourceReference("HealthcareService/999999")];
        await Expect(badService, (HttpStatusCode)422, "ServiceRequest.performer", "There is no service");
        var completed = Referral(patient, "d");
        completed.Status = RequestStatus.Completed;
        await Expect(completed, (HttpStatusCode)422, "ServiceRequest.status", "active");
        await Expect(Referral(stranger, "e"), HttpStatusCode.Forbidden, "ServiceRequest.subject", "registered at your practice");
        Assert.Equal(before, await app.QueryAsync(db => db.Referrals.CountAsync()));
    }
}
