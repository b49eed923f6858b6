using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// The FHIR R4 API at /fhir. Every interaction goes through the same permission gate, record rules and audit as the
/// rest of JoinedUp; errors are OperationOutcomes. The CapabilityStatement lists only what is implemented.
/// </summary>
internal static class FhirEndpoints
{
    public static void MapFhir(this WebApplication app)
    {
        var fhir = app.MapGroup("/fhir").WithTags("FHIR");

        fhir.MapGet("/metadata", (HttpContext http) => FhirResults.Resource(Capability.Statement(BaseUrl(http))))
            .AllowAnonymous()
            .WithName("FhirCapabilityStatement").WithSummary("The CapabilityStatement: what this FHIR server supports.");

        fhir.MapGet("/Patient/{id}", async (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
            {
                if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var patientId))
                {
                    return FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"Patient ids on this server are numbers; '{id}' is not one.", "Patient.id");
                }
                var opened = await access.BeginOpenAsync(http.RequiredCaller(), patientId, PermissionMatrix.Name(Permission.RecordRead), $"Patient/{patientId}", ct).ConfigureAwait(false);
                if (opened.View is null) return FhirResults.Forbidden();
                var patient = await PatientMapping.ReadAsync(db, patientId, ct).ConfigureAwait(false);
                await opened.Audited.ConfigureAwait(false);
                if (patient is null) return FhirResults.Forbidden();
                return FhirResults.Resource(patient, headers: response =>
                {
                    response.Headers.ETag = $"W/\"{patient.Meta!.VersionId}\"";
                    response.Headers.LastModified = patient.Meta.LastUpdated!.Value.ToString("R", CultureInfo.InvariantCulture);
                });
            })
            .RequirePermission(Permission.RecordRead)
            .WithName("FhirReadPatient").WithSummary("Reads a Patient (UK Core identifiers), with ETag and Last-Modified.");

        fhir.MapGet("/Patient", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) => FhirPatientSearch.RunAsync(http, access, db, ct))
            .RequirePermission(Permission.RecordSearch)
            .WithName("FhirSearchPatient").WithSummary("Searches Patients the caller may open: _id, identifier, family, given, name, birthdate, general-practitioner:identifier, _count, _summary=count.");

        fhir.MapPatientWrites();
        fhir.MapClinicalResources();
        fhir.MapEverything();
        fhir.MapDirectoryResources();
        fhir.MapStaffResources();
        fhir.MapAuditEvents();
        fhir.MapClinicalWrites();
        fhir.MapBundles();
        fhir.MapBulkExport();
        fhir.MapImport();
        fhir.MapServiceRequests();
        fhir.MapCarePlans();
        fhir.MapCarePlanWrites();
        fhir.MapCareTasks();
        fhir.MapMeasures();
        JoinedUp.Web.Outcomes.ExperienceApi.MapExperienceFhir(fhir);

        // Anything else is a resource type or interaction this server does not support yet: say so, disclose nothing.
        fhir.MapMethods("/{type}/{**rest}", ["GET", "POST", "PUT", "DELETE", "PATCH"], (string type) =>
                FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotSupported,
                    $"This server does not support '{type}' here. GET /fhir/metadata lists the resources and interactions it supports."))
            .AllowAnonymous().ExcludeFromDescription();
    }

    internal static string BaseUrl(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/fhir";
}

/// <summary>The CapabilityStatement, built from what is actually mapped.</summary>
internal static class Capability
{
    private static CapabilityStatement.SearchParamComponent Param(string name, SearchParamType type, string documentation) =>
        new() { Name = name, Type = type, Documentation = documentation };

    public static CapabilityStatement Statement(string baseUrl)
    {
        var origin = baseUrl[..baseUrl.LastIndexOf("/fhir", StringComparison.Ordinal)];
        var security = new CapabilityStatement.SecurityComponent
        {
            Cors = false,
            Service = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR", "SMART-on-FHIR")],
            Description = "OAuth 2 bearer tokens from /connect/token with SMART scopes (patient/*.rs, user/Patient.rs, system/*.rs); every request also needs the user's role and a legitimate relationship, and is audited.",
        };
        security.Extension.Add(new Extension
        {
            Url = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
            Extension =
            [
                new Extension("authorize", new FhirUri($"{origin}/connect/authorize")),
                new Extension("token", new FhirUri($"{origin}/connect/token")),
            ],
        });
        return new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = "2026-11-23",
            Kind = CapabilityStatementKind.Instance,
            Instantiates = ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
            Software = new CapabilityStatement.SoftwareComponent { Name = "JoinedUp" },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "JoinedUp shared care record", Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["application/fhir+json"],
            Rest =
            [
                new CapabilityStatement.RestComponent
                {
                    Mode = CapabilityStatement.RestfulCapabilityMode.Server,
                    Security = security,
                    Interaction =
                    [
                        new CapabilityStatement.SystemInteractionComponent
                        {
                            Code = CapabilityStatement.SystemRestfulInteraction.Transaction,
                            Documentation = "Creates (POST) of the kept resource types, all or nothing; urn:uuid and conditional references resolved; types not kept reported per entry (422), or refused with Prefer: handling=strict.",
                        },
                        new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Batch, Documentation = "Creates, each entry on its own." },
                    ],
                    Operation =
                    [
                        new CapabilityStatement.OperationComponent
                        {
                            Name = "import",
                            Definition = "https://joinedup.example/fhir/OperationDefinition/import",
                            Documentation = "POST NDJSON (application/fhir+ndjson) or a Bundle: stores the kept types under the caller's record rules and answers with an OperationOutcome of what was stored and not stored (type, count, reason). Sending the same data again stores nothing twice.",
                        },
                        new CapabilityStatement.OperationComponent
                        {
                            Name = "export",
                            Definition = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                            Documentation = "Bulk Data export at system, Patient and Group (a GP practice by ODS code) level: Prefer: respond-async, NDJSON, _type and _since. For system clients; national opt-outs and restricted entries are never exported.",
                        },
                    ],
                    Resource =
                    [
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = ResourceType.Patient.ToString(),
                            Profile = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Vread },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.HistoryInstance },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Create },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Update },
                            ],
                            Operation = [new CapabilityStatement.OperationComponent { Name = "everything", Definition = "http://hl7.org/fhir/OperationDefinition/Patient-everything" }],
                            ReadHistory = true,
                            UpdateCreate = false,
                            ConditionalCreate = true,
                            SearchParam =
                            [
                                Param("_id", SearchParamType.Token, "Patient ids, comma-separated"),
                                Param("identifier", SearchParamType.Token, "NHS number (https://fhir.nhs.uk/Id/nhs-number|...) or local identifier"),
                                Param("family", SearchParamType.String, "Surname, starts with, any case"),
                                Param("given", SearchParamType.String, "Given name, starts with, any case"),
                                Param("name", SearchParamType.String, "Surname or given name, starts with"),
                                Param("birthdate", SearchParamType.Date, "Date of birth with eq, ne, ge, le, gt, lt"),
                                Param("general-practitioner", SearchParamType.Reference, "With :identifier and the practice's ODS code"),
                                Param("_lastUpdated", SearchParamType.Date, "When the record last changed, with eq, ne, ge, le, gt, lt"),
                            ],
                            SearchRevInclude = RecordMapping.StoredTypes.Where(RecordMapping.IsClinical).Select(t => $"{t}:patient").ToList(),
                            Versioning = CapabilityStatement.ResourceVersionPolicy.VersionedUpdate,
                        },
                        Directory("Organization", "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization", "identifier", "name"),
                        Directory("HealthcareService", "https://fhir.hl7.org.uk/StructureDefinition/UKCore-HealthcareService", "identifier", "name"),
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "Practitioner",
                            Profile = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Practitioner",
                            Interaction = [new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read }],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "PractitionerRole",
                            Profile = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-PractitionerRole",
                            Interaction = [new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType }],
                            SearchParam = [Param("practitioner", SearchParamType.Reference, "Practitioner/<id>"), Param("organization", SearchParamType.Reference, "Organization/<id>")],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "AuditEvent",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                            ],
                            SearchParam =
                            [
                                Param("patient", SearchParamType.Reference, "Patient/<id>"),
                                Param("agent", SearchParamType.Reference, "The user id"),
                                Param("outcome", SearchParamType.Token, "0 allowed, 4 denied, 8 not signed in"),
                                Param("date", SearchParamType.Date, "yyyy-mm-dd with eq, ge or lt"),
                            ],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "ServiceRequest",
                            Profile = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest",
                            Documentation = "A referral to community health services. The id is the referral's reference (R-XXXXXXXX). Create goes through the single point of access's intake: conditional create with If-None-Exist: identifier=system|value (per caller); a second open referral for the same person and service is linked (supportingInfo, X-Linked-Referral).",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Create },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                            ],
                            ConditionalCreate = true,
                            SearchParam = [Param("identifier", SearchParamType.Token, "system|value: the caller's own referrals"), Param("patient", SearchParamType.Reference, "Patient/<id>, with a relationship")],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "Task",
                            Documentation = "Two kinds of Task. A referral's workflow: <reference>.triage for the single point of access, <reference>.<route id> for each receiving service; the receiving team updates status to accepted, rejected (statusReason.text) or in-progress (first contact). Care tasks between services, ids care-<id>: "
                                + "create a hand-over (code hand-over in " + CareTasks.CodeSystem + ", for = Patient/<id>, owner = the receiving service as HealthcareService/<id> or identifier " + DirectoryResources.ServiceCodeSystem + "|<code>, description = what they need to know; 422 with the reason when the person is not eligible or the service has no capacity) "
                                + "or a follow-up (code follow-up, restriction.period.end = due); update status to accepted or rejected with statusReason.text (the receiving team) or completed, with If-Match W/\"n\" (428 without, 412 when stale). businessStatus says when a task was escalated to the navigator or the team lead.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Update, Documentation = "Referral tasks: status. Care tasks: status accepted, rejected (statusReason.text) or completed, If-Match required." },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Create, Documentation = "Care tasks only: a hand-over or a follow-up." },
                            ],
                            Versioning = CapabilityStatement.ResourceVersionPolicy.VersionedUpdate,
                            UpdateCreate = false,
                            ConditionalCreate = false,
                            SearchParam =
                            [
                                Param("focus", SearchParamType.Reference, "ServiceRequest/<reference>: a referral's workflow tasks"),
                                Param("patient", SearchParamType.Reference, "Patient/<id>: the person's care tasks (with a full view of their record)"),
                                Param("code", SearchParamType.Token, "With patient: hand-over, follow-up or plan-review, comma-separated"),
                                Param("status", SearchParamType.Token, "With patient: requested, accepted, rejected, completed or cancelled, comma-separated"),
                            ],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "Questionnaire",
                            Documentation = "The holistic assessment, filled once per episode: Questionnaire/holistic-assessment. The patient experience questionnaires: Questionnaire/fft (Friends and Family Test) and Questionnaire/experience.",
                            Interaction = [new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read }],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "QuestionnaireResponse",
                            Documentation = "A stored assessment: the episode's holistic one or a service's own section, read by its id with a relationship to the patient. "
                                + "Patient experience responses, ids experience-<id>: anonymous (no subject), status completed, questionnaire canonical with |version, authored as a date; read and search need outcomes.read.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType, Documentation = "Experience responses only." },
                            ],
                            SearchParam = [Param("questionnaire", SearchParamType.Reference, "fft or experience (or the canonical): required"), Param("authored", SearchParamType.Date, "The day answered, with a prefix (ge, le, ...)")],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "CarePlan",
                            Documentation = "One personalised care plan per person per episode. Create (subject = Patient/<id>, title, intent plan, status draft) starts the plan of the person's open episode: 201, or 200 with the plan already started and X-Existing-CarePlan. "
                                + "Update (If-Match W/\"n\" required: 428 without, 412 naming who changed it when stale) records agreement only: status draft to active with one new note saying how it was agreed (authorReference Patient: the person; RelatedPerson: their carer; otherwise staff on their behalf). "
                                + "Any other change is a 422 naming the element: goals change through Goal, activities through /api/care.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Create },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Update },
                            ],
                            Versioning = CapabilityStatement.ResourceVersionPolicy.VersionedUpdate,
                            UpdateCreate = false,
                            ConditionalCreate = false,
                            SearchParam = [Param("patient", SearchParamType.Reference, "Patient/<id>")],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "Goal",
                            Documentation = "A goal of a care plan, in the person's own words. FHIR R4's Goal has no element for its plan, so the extension " + CarePlans.GoalCarePlanExtension + " (valueReference CarePlan/<id>) names it; "
                                + "on create it may be left out, and the goal joins the plan of the subject's open episode. Kept: lifecycleStatus (proposed, active, completed with achievementStatus achieved or not-achieved, cancelled), description.text, "
                                + "one target with measure.text and dueDate. Update needs If-Match W/\"n\" (428 without, 412 naming who changed it when stale); other elements are a 422 naming them.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Create },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Update },
                            ],
                            Versioning = CapabilityStatement.ResourceVersionPolicy.VersionedUpdate,
                            UpdateCreate = false,
                            ConditionalCreate = false,
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "Measure",
                            Documentation = "The outcomes framework's measures (outcomes.read), generated from their definitions: url " + MeasureResources.CanonicalBase + "/Measure/<id>, one group whose population criteria are "
                                + MeasureResources.CriteriaLanguage + " JSON pointers into the definition file, served as Binary/measure-<id>.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                            ],
                            SearchParam =
                            [
                                Param("url", SearchParamType.Uri, "The canonical, optionally with |version"),
                                Param("version", SearchParamType.Token, "The definition's version"),
                                Param("title", SearchParamType.String, "Words in the title, any case"),
                            ],
                            Operation =
                            [
                                new CapabilityStatement.OperationComponent
                                {
                                    Name = "evaluate-measure",
                                    Definition = "http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure",
                                    Documentation = "GET or POST (Parameters) with periodStart and periodEnd exactly a financial quarter's first and last day (else 422). "
                                        + "reportType=population (default): a summary MeasureReport from the quarter's official run (identifier " + MeasureResources.RunSystem + "), or evaluated live for outcomes.manage and system clients (others: 404 until the quarter is run officially); "
                                        + "borough counts in the group, network/practice/service in stratifiers, the Wilson 95% interval on measureScore in " + MeasureResources.ScoreIntervalExtension + ". "
                                        + "reportType=subject&subject=Patient/<id>: an individual report, authorised and audited as a read of that patient (not for anonymous experience measures). reportType=subject-list: 422, not available yet.",
                                },
                            ],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "ValueSet",
                            Documentation = "The value sets the measures use, as stored (codes listed in compose.include); outcomes.read.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                            ],
                            SearchParam = [Param("url", SearchParamType.Uri, "The canonical"), Param("title", SearchParamType.String, "Words in the title, any case")],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "Binary",
                            Documentation = "Binary/measure-<id>: a measure's definition file exactly as read (application/json with comments; its SHA-256 is the definition's hash); outcomes.read.",
                            Interaction = [new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read }],
                        },
                        Clinical("Observation", "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation"),
                        Clinical("Condition", "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Condition"),
                        Clinical("Encounter", "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Encounter"),
                        Clinical("Immunization", "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Immunization"),
                        Clinical("MedicationStatement", "https://fhir.hl7.org.uk/StructureDefinition/UKCore-MedicationStatement"),
                        Clinical("AllergyIntolerance", "https://fhir.hl7.org.uk/StructureDefinition/UKCore-AllergyIntolerance"),
                        Clinical("Procedure", "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Procedure"),
                    ],
                },
            ],
        };
    }

    /// <summary>A directory resource: public read and search.</summary>
    private static CapabilityStatement.ResourceComponent Directory(string type, string profile, params string[] parameters) => new()
    {
        Type = type,
        Profile = profile,
        Interaction =
        [
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
        ],
        SearchParam = parameters.Select(p => Param(p, p == "identifier" ? SearchParamType.Token : SearchParamType.String, p == "identifier" ? "system|value" : "contains, any case")).ToList(),
    };

    private static readonly Dictionary<string, string> ParameterDocs = new(StringComparer.Ordinal)
    {
        ["code"] = "system|code or code, comma-separated (SNOMED CT, LOINC, RxNorm, ICD-10 as stored)",
        ["vaccine-code"] = "system|code or code, comma-separated",
        ["date"] = "With eq, ne, ge, le, gt, lt",
        ["clinical-status"] = "active, inactive or resolved",
        ["status"] = "The resource's status code",
    };

    /// <summary>A clinical resource: read, patient-scoped search (patient is required), create and conditional create.</summary>
    private static CapabilityStatement.ResourceComponent Clinical(string type, string profile) => new()
    {
        Type = type,
        Profile = profile,
        Interaction =
        [
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Vread },
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.HistoryInstance },
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Create },
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Update, Documentation = "If-Match honoured (412 when stale); the entry stays with its patient." },
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Delete, Documentation = "For entries recorded in error; If-Match honoured; reads then answer 410 Gone." },
        ],
        Versioning = CapabilityStatement.ResourceVersionPolicy.VersionedUpdate,
        UpdateCreate = false,
        ConditionalDelete = CapabilityStatement.ConditionalDeleteStatus.NotSupported,
        ConditionalCreate = true,
        SearchInclude = [$"{type}:patient"],
        SearchParam =
        [
            Param("patient", SearchParamType.Reference, "Required: the patient (Patient/<id>); subject is accepted too"),
            .. ClinicalResources.Parameters[type].Select(p => Param(p, p switch { "date" => SearchParamType.Date, _ => SearchParamType.Token }, ParameterDocs[p])),
            Param("_lastUpdated", SearchParamType.Date, "When the entry last changed, with eq, ne, ge, le, gt, lt"),
            Param("_sort", SearchParamType.Special, type is "Observation" or "Encounter" or "Procedure" ? "_id, _lastUpdated or date; - for descending" : "_id or _lastUpdated; - for descending"),
            Param("_count", SearchParamType.Number, "Page size, at most 100; follow the next link for more"),
        ],
    };
}
