using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Fhir;

/// <summary>Observations and conditions over FHIR, through the same record rules as the UI, with FhirClient.</summary>
public class FhirClinicalTests
{
    private static FhirClient Client(SecureApp app, string? token) => FhirTestClient.For(app, token);

    private static async Task<List<T>> AllPagesAsync<T>(FhirClient client, Bundle? page) where T : Resource
    {
        var all = new List<T>();
        while (page is not null)
        {
            all.AddRange(page.Entry.Select(e => e.Resource).OfType<T>());
            page = await client.ContinueAsync(page);
        }
        return all;
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task A_clinician_pages_through_a_caseload_patients_observations_and_never_sees_restricted_conditions(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var browser = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var (token, _) = await SecureApp.AuthorizationCodeAsync(browser, "user/*.rs");
        var nurse = Client(app, token);

        // At least a few pages, whatever the generator gave this patient: three HbA1c results and a blood pressure.
        await app.QueryAsync(async db =>
        {
            for (var i = 0; i < 3; i++)
            {
                db.Observations.Add(new JoinedUp.Record.Observation { PatientId = patient, Code = "999791000000106", Display = "HbA1c", Value = 48 + i, Unit = "mmol/mol", EffectiveAt = DateTime.UtcNow.AddMonths(-i), LastUpdated = DateTime.UtcNow });
            }
            db.Observations.Add(new JoinedUp.Record.Observation { PatientId = patient, Code = "75367002", Display = "Blood pressure", Value = 138, SecondaryValue = 84, Unit = "mm[Hg]", EffectiveAt = DateTime.UtcNow, LastUpdated = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        var expected = await app.QueryAsync(db => db.Observations.CountAsync(o => o.PatientId == patient));
        var observations = await AllPagesAsync<Observation>(nurse, await nurse.SearchAsync<Observation>([$"patient=Patient/{patient}", "_count=2"]));
        Assert.Equal(expected, observations.Count);
        Assert.All(observations, o => Assert.Equal($"Patient/{patient}", o.Subject!.Reference));
        // Newest first, two at a time: every observation once, in order of when it was measured.
        var newestFirst = await AllPagesAsync<Observation>(nurse, await nurse.SearchAsync<Observation>([$"patient=Patient/{patient}", "_count=2", "_sort=-date"]));
        Assert.Equal(expected, newestFirst.Count);
        Assert.Equal(expected, newestFirst.Select(o => o.Id).Distinct().Count());
        var times = newestFirst.Select(o => ((FhirDateTime)o.Effective!).ToDateTimeOffset(TimeSpan.Zero)).ToList();
        Assert.Equal(times.OrderDescending().ToList(), times);
        var finals = await AllPagesAsync<Observation>(nurse, await nurse.SearchAsync<Observation>([$"patient=Patient/{patient}", "status=final", "_sort=_lastUpdated"]));
        Assert.Equal(expected, finals.Count);
        var badSort = await Assert.ThrowsAsync<FhirOperationException>(() => nurse.SearchAsync<Condition>([$"patient=Patient/{patient}", "_sort=date"]));
        Assert.Equal(HttpStatusCode.BadRequest, badSort.Status);
        var badStatus = await Assert.ThrowsAsync<FhirOperationException>(() => nurse.SearchAsync<Observation>([$"patient=Patient/{patient}", "status=done"]));
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.Status);
        Assert.Contains("entered-in-error", badStatus.Outcome!.Issue[0].Diagnostics, StringComparison.Ordinal);
        var bp = observations.Last(o => o.Code!.Coding[0].Code == "75367002"); // the one added above (ids ascend)
        Assert.Equal(["8480-6", "8462-4"], bp.Component.Select(c => c.Code!.Coding[0].Code!).ToArray());
        Assert.Equal(84m, ((Quantity)bp.Component[1].Value!).Value);

        var conditions = await AllPagesAsync<Condition>(nurse, await nurse.SearchAsync<Condition>([$"patient={patient}"]));
        var confidential = await app.QueryAsync(db => db.Conditions.Where(c => c.PatientId == patient && c.Confidential).Select(c => c.Id).FirstAsync());
        Assert.DoesNotContain(conditions, c => c.Id == confidential.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var restricted = await Assert.ThrowsAsync<FhirOperationException>(() => nurse.ReadAsync<Condition>($"Condition/{confidential}"));
        Assert.Equal(HttpStatusCode.Forbidden, restricted.Status);
        var missing = await Assert.ThrowsAsync<FhirOperationException>(() => nurse.ReadAsync<Condition>("Condition/987654321"));
        Assert.Equal(HttpStatusCode.Forbidden, missing.Status);

        // The patient sees their own restricted entry, labelled as such.
        using var meBrowser = await app.SignInAsync(SecureApp.Email(Roles.Patient));
        var (patientToken, _) = await SecureApp.AuthorizationCodeAsync(meBrowser, "patient/*.rs");
        var own = await Client(app, patientToken).ReadAsync<Condition>($"Condition/{confidential}");
        Assert.Equal("R", own!.Meta!.Security.Single().Code);

        // $everything: the same view in one bundle (the confidential condition left out for the nurse).
        using var http = app.Bearer(token);
        var everything = System.Text.Json.JsonSerializer.Deserialize<Bundle>(await http.GetStringAsync($"/fhir/Patient/{patient}/$everything"), JoinedUp.Fhir.FhirJson.Write)!;
        Assert.Equal(1, everything.Entry.Count(e => e.Resource is Patient));
        Assert.Equal(expected, everything.Entry.Count(e => e.Resource is Observation));
        Assert.Equal(conditions.Count, everything.Entry.Count(e => e.Resource is Condition));

        // A search names its patient, and only one the caller may open.
        var noPatient = await Assert.ThrowsAsync<FhirOperationException>(() => nurse.SearchAsync<Observation>(["code=999791000000106"]));
        Assert.Equal(HttpStatusCode.BadRequest, noPatient.Status);
        var strangerId = await app.StrangerAsync();
        var stranger = await Assert.ThrowsAsync<FhirOperationException>(() => nurse.SearchAsync<Observation>([$"patient={strangerId}"]));
        Assert.Equal(HttpStatusCode.Forbidden, stranger.Status);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task Encounters_immunisations_and_medicines_come_back_complete_for_the_practice_and_the_safeguarding_contact_stays_hidden(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var system = Client(app, await app.ClientCredentialsTokenAsync());
        var patient = await app.DemoPatientAsync();

        // The practice sees every encounter but the one at the (sensitive) safeguarding service.
        var encounters = await AllPagesAsync<Encounter>(system, await system.SearchAsync<Encounter>([$"patient={patient}", "_count=3"]));
        var safeguarding = await app.QueryAsync(db => db.Services.Where(s => s.Code == "children-safeguarding").Select(s => s.Id).FirstAsync());
        var allEncounters = await app.QueryAsync(db => db.Encounters.CountAsync(e => e.PatientId == patient));
        var hidden = await app.QueryAsync(db => db.Encounters.CountAsync(e => e.PatientId == patient && (e.ServiceId == safeguarding || e.RecordedByServiceId == safeguarding)));
        Assert.True(hidden >= 1);
        Assert.Equal(allEncounters - hidden, encounters.Count);
        Assert.All(encounters, e => Assert.Empty(e.Meta!.Security));

        var medicines = await AllPagesAsync<MedicationStatement>(system, await system.SearchAsync<MedicationStatement>([$"patient={patient}"]));
        Assert.Equal(await app.QueryAsync(db => db.MedicationStatements.CountAsync(m => m.PatientId == patient)), medicines.Count);

        // A child at the same practice with immunisations: all of them, with their dose numbers.
        var child = await app.QueryAsync(db => db.Immunisations.Where(i => i.PatientId != patient && db.Patients.Any(p => p.Id == i.PatientId && p.RegisteredPractice!.OdsCode == "Z10001"))
            .Select(i => i.PatientId).FirstOrDefaultAsync());
        if (child != 0)
        {
            var immunisations = await AllPagesAsync<Immunization>(system, await system.SearchAsync<Immunization>([$"patient={child}"]));
            Assert.Equal(await app.QueryAsync(db => db.Immunisations.CountAsync(i => i.PatientId == child)), immunisations.Count);
            Assert.All(immunisations, i => Assert.Equal($"Patient/{child}", i.Patient!.Reference));
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task A_GP_system_adds_a_result_for_its_patient_which_is_then_searchable_and_read_back_as_sent(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var system = Client(app, await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var result = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://snomed.info/sct", "999791000000106", "Haemoglobin A1c level - IFCC standardised"),
            Subject = new ResourceReference($"Patient/{patient}"),
            Effective = new FhirDateTime(DateTimeOffset.UtcNow.AddDays(-1)),
            Value = new Quantity { Value = 52, Unit = "mmol/mol", System = "http://unitsofmeasure.org", Code = "mmol/mol" },
            Note = [new Annotation { Text = new Markdown("Fasting sample") }],
        };
        var created = await system.CreateAsync(result);
        Assert.Equal("1", created!.Meta!.VersionId);
        var found = await system.SearchAsync<Observation>([$"patient={patient}", "code=http://snomed.info/sct|999791000000106", $"date=ge{DateTime.UtcNow.AddDays(-2):yyyy-MM-dd}"]);
        Assert.Contains(found!.Entry, e => e.Resource?.Id == created.Id);
        Assert.Equal(52m, (await app.QueryAsync(db => db.Observations.Where(o => o.Id == long.Parse(created.Id!, System.Globalization.CultureInfo.InvariantCulture)).Select(o => o.Value).FirstAsync())) is { } v ? (decimal)v : 0m);
        var withPatient = await system.SearchAsync<Observation>([$"patient={patient}", "_include=Observation:patient", "_count=1"]);
        Assert.Single(withPatient!.Entry, e => e.Resource is Patient && e.Search!.Mode == Bundle.SearchEntryMode.Include);
        var read = await system.ReadAsync<Observation>($"Observation/{created.Id}");
        Assert.Equal("Fasting sample", read!.Note.Single().Text); // kept although JoinedUp has no column for it

        // Not for a patient the system has no relationship with, and not without a patient.
        result.Subject = new ResourceReference($"Patient/{await app.StrangerAsync()}");
        var refused = await Assert.ThrowsAsync<FhirOperationException>(() => system.CreateAsync(result));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        result.Subject = null;
        var noSubject = await Assert.ThrowsAsync<FhirOperationException>(() => system.CreateAsync(result));
        Assert.Equal(HttpStatusCode.BadRequest, noSubject.Status);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task Concurrent_conditional_creates_of_one_observation_make_exactly_one(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var token = await app.ClientCredentialsTokenAsync("system/*.cruds");
        const string system = "https://gp-system.example/Id/result";
        Observation Result() => new()
        {
            Status = ObservationStatus.Final,
            Identifier = [new Identifier(system, "lab-4711")],
            Code = new CodeableConcept("http://loinc.org", "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"),
            Subject = new ResourceReference($"Patient/{patient}"),
            Effective = new FhirDateTime(DateTimeOffset.UtcNow.AddHours(-3)),
            Value = new Quantity { Value = 6.8m, Unit = "%", System = "http://unitsofmeasure.org", Code = "%" },
        };
        var results = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            var client = Client(app, token);
            var created = await client.ConditionalCreateAsync(Result(), new SearchParams().Add("identifier", $"{system}|lab-4711"));
            return (created!.Id, Status: client.LastResult!.Status ?? "");
        }));
        Assert.Single(results.Select(r => r.Id).Distinct());
        Assert.Single(results, r => r.Status.StartsWith("201", StringComparison.Ordinal));
        Assert.All(results.Where(r => !r.Status.StartsWith("201", StringComparison.Ordinal)), r => Assert.StartsWith("200", r.Status, StringComparison.Ordinal));
        Assert.Equal(1, await app.QueryAsync(db => db.ResourceIdentifiers.CountAsync(i => i.System == system && i.Value == "lab-4711")));
    }

    [Fact]
    public async System.Threading.Tasks.Task Every_kept_clinical_type_can_be_created_read_and_searched_and_bad_input_names_the_element()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        var patient = await app.DemoPatientAsync();
        var client = Client(app, await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var subject = new ResourceReference($"Patient/{patient}");
        var snomed = "http://snomed.info/sct";
        Resource[] resources =
        [
            new Condition { Code = new CodeableConcept(snomed, "195967001", "Asthma"), Subject = subject, ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active") },
            new AllergyIntolerance { Code = new CodeableConcept(snomed, "91936005", "Allergy to penicillin"), Patient = subject, Criticality = AllergyIntolerance.AllergyIntoleranceCriticality.High },
            new Procedure { Status = EventStatus.Completed, Code = new CodeableConcept(snomed, "225358003", "Wound care"), Subject = subject, Performed = new FhirDateTime(DateTimeOffset.UtcNow.AddDays(-2)) },
            new Immunization { Status = Immunization.ImmunizationStatusCodes.Completed, VaccineCode = new CodeableConcept(snomed, "1324681000000101", "Influenza vaccine"), Patient = subject, Occurrence = new FhirDateTime("2026-10-01") },
            new Encounter { Status = Encounter.EncounterStatus.Finished, Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "HH"), Subject = subject, Period = new Period { Start = "2026-11-01T10:00:00Z", End = "2026-11-01T10:30:00Z" } },
            new MedicationStatement { Status = MedicationStatement.MedicationStatusCodes.Active, Medication = new CodeableConcept(snomed, "322236009", "Paracetamol 500mg tablets"), Subject = subject, Effective = new FhirDateTime("2026-09-01") },
        ];
        foreach (var resource in resources)
        {
            var created = await client.CreateAsync(resource);
            Assert.Equal("1", created!.Meta!.VersionId);
            var read = await client.ReadAsync<Resource>($"{resource.TypeName}/{created.Id}");
            Assert.Equal(resource.TypeName, read!.TypeName);
            var found = await client.SearchAsync(resource.TypeName, [$"patient=Patient/{patient}", "_count=100"]);
            Assert.Contains(found!.Entry, e => e.Resource?.Id == created.Id);
        }

        // A missing code, a date that is not a date, the wrong type for the endpoint: 400 naming the element.
        var noCode = await Assert.ThrowsAsync<FhirOperationException>(() => client.CreateAsync(new Condition { Subject = subject }));
        Assert.Equal(HttpStatusCode.BadRequest, noCode.Status);
        Assert.Contains(noCode.Outcome!.Issue, i => i.Expression.Any(e => e!.StartsWith("Condition.code", StringComparison.Ordinal)));
        using var http = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.cruds"));
        using var badDate = await http.PostAsync("/fhir/Procedure", new StringContent(
            $"{{\"resourceType\":\"Procedure\",\"status\":\"completed\",\"code\":{{\"coding\":[{{\"system\":\"{snomed}\",\"code\":\"225358003\"}}]}},\"subject\":{{\"reference\":\"Patient/{patient}\"}},\"performedDateTime\":\"yesterday\"}}",
            System.Text.Encoding.UTF8, "application/fhir+json"));
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Contains("performed", await badDate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var wrongType = await http.PostAsync("/fhir/Procedure", new StringContent($"{{\"resourceType\":\"Condition\",\"subject\":{{\"reference\":\"Patient/{patient}\"}}}}", System.Text.Encoding.UTF8, "application/fhir+json"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task An_entry_recorded_in_error_is_deleted_with_If_Match_and_then_reads_as_gone(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var client = Client(app, await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var created = await client.CreateAsync(new Condition { Code = new CodeableConcept("http://snomed.info/sct", "38341003", "Hypertension"), Subject = new ResourceReference($"Patient/{patient}") });
        using var http = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.cruds"));

        // A stale version is refused; the right one deletes it.
        using var stale = new HttpRequestMessage(HttpMethod.Delete, $"/fhir/Condition/{created!.Id}");
        stale.Headers.TryAddWithoutValidation("If-Match", "W/\"7\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await http.SendAsync(stale)).StatusCode);
        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/fhir/Condition/{created.Id}");
        delete.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");
        Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(delete)).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await http.GetAsync($"/fhir/Condition/{created.Id}")).StatusCode);
        var id = long.Parse(created.Id!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(await app.QueryAsync(db => db.Conditions.AnyAsync(c => c.Id == id)));
        Assert.True(await app.QueryAsync(db => db.ResourceVersions.AnyAsync(v => v.ResourceType == "Condition" && v.ResourceId == id && v.Method == "delete" && v.VersionId == 2)));
        Assert.NotEmpty(await app.AuditAsync(e => e.Action == "record.delete" && e.PatientId == patient && e.Outcome == JoinedUp.Security.Audit.AuditOutcome.Allowed));
        // History keeps both versions: the create and the deletion; version 1 is still readable.
        var history = await client.HistoryAsync($"Condition/{created.Id}");
        Assert.Equal([Bundle.HTTPVerb.DELETE, Bundle.HTTPVerb.POST], history!.Entry.Select(e => e.Request!.Method!.Value).ToArray());
        var v1 = await client.ReadAsync<Condition>($"Condition/{created.Id}/_history/1");
        Assert.Equal("38341003", v1!.Code!.Coding[0].Code);
        Assert.Equal(HttpStatusCode.Gone, (await http.GetAsync($"/fhir/Condition/{created.Id}/_history/2")).StatusCode);

        // Someone without a relationship cannot delete: the demo GP system on another practice's patient's entry.
        var stranger = await app.StrangerAsync();
        var theirs = await client.CreateAsync(new Condition { Code = new CodeableConcept("http://snomed.info/sct", "38341003", "Hypertension"), Subject = new ResourceReference($"Patient/{patient}") });
        var theirId = long.Parse(theirs!.Id!, System.Globalization.CultureInfo.InvariantCulture);
        await app.QueryAsync(db => db.Conditions.Where(c => c.Id == theirId).ExecuteUpdateAsync(u => u.SetProperty(c => c.PatientId, stranger)));
        Assert.Equal(HttpStatusCode.Forbidden, (await http.DeleteAsync($"/fhir/Condition/{theirId}")).StatusCode);
        Assert.True(await app.QueryAsync(db => db.Conditions.AnyAsync(c => c.Id == theirId)));
        async Task<HttpStatusCode> ReadAs(string role)
        {
            var browser = await app.SignInAsync(SecureApp.Email(role));
            var (token, _) = await SecureApp.AuthorizationCodeAsync(browser, "user/*.rs");
            using var other = app.Bearer(token);
            return (await other.GetAsync($"/fhir/Condition/{created.Id}")).StatusCode;
        }
        Assert.Equal(HttpStatusCode.Gone, await ReadAs(JoinedUp.Security.Roles.Clinician)); // the nurse has the patient on her caseload
        Assert.Equal(HttpStatusCode.Forbidden, await ReadAs(JoinedUp.Security.Roles.SpaCoordinator)); // triages someone else
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task An_update_makes_a_new_version_and_of_two_concurrent_updates_one_wins_and_one_gets_412(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var token = await app.ClientCredentialsTokenAsync("system/*.cruds");
        var client = Client(app, token);
        var created = await client.CreateAsync(new Condition
        {
            Code = new CodeableConcept("http://snomed.info/sct", "195662009", "Acute viral pharyngitis"),
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            Subject = new ResourceReference($"Patient/{patient}"),
        });
        created!.ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved");
        var updated = await client.UpdateAsync(created, versionAware: true);
        Assert.Equal("2", updated!.Meta!.VersionId);
        var resolved = await client.SearchAsync<Condition>([$"patient=Patient/{patient}", "clinical-status=resolved"]);
        Assert.Contains(resolved!.Entry, e => e.Resource?.Id == created.Id);
        // The same change from the stale version 1 is refused, not lost.
        var stale = await Assert.ThrowsAsync<FhirOperationException>(() => client.UpdateAsync(created, versionAware: true));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.Status);
        // An entry stays with its patient.
        updated.Subject = new ResourceReference($"Patient/{await app.StrangerAsync()}");
        var moved = await Assert.ThrowsAsync<FhirOperationException>(() => client.UpdateAsync(updated, versionAware: true));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, moved.Status);

        // Two updates of version 2 at once: exactly one becomes version 3.
        var current = await client.ReadAsync<Condition>($"Condition/{created.Id}");
        var outcomes = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 2).Select(async i =>
        {
            var copy = (Condition)current!.DeepCopy();
            copy.Note = [new Annotation { Text = new Markdown($"note {i}") }];
            try
            {
                await Client(app, token).UpdateAsync(copy, versionAware: true);
                return HttpStatusCode.OK;
            }
            catch (FhirOperationException ex)
            {
                return ex.Status;
            }
        }));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], outcomes.Order().ToArray());
        var history = await client.HistoryAsync($"Condition/{created.Id}");
        Assert.Equal(3, history!.Entry.Count);
    }
}
