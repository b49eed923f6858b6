using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using JoinedUp.Access;
using JoinedUp.Outcomes.Experience;
using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Care;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JoinedUp.Tests.Outcomes;

/// <summary>
/// Patient experience (docs/adr/0006, 5) through the real entry points: the invitation job's set-based rules, the public
/// link's single use and expiry, anonymous storage, answer checking, the FHIR reads and their permission, and the
/// patient view's cards for the patient and a carer with a proxy.
/// </summary>
public partial class ExperienceTests
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    private static Task<int> ServiceAsync(SecureApp app, string code) => app.QueryAsync(db => db.Services.Where(s => s.Code == code).Select(s => s.Id).FirstAsync());

    private static async Task<long> EncounterAsync(SecureApp app, long patientId, int serviceId, EncounterStatus status = EncounterStatus.Finished, DateTime? lastUpdated = null)
    {
        var now = app.Clock.GetUtcNow().UtcDateTime;
        return await app.QueryAsync(async db =>
        {
            var e = new Encounter
            {
                PatientId = patientId, ServiceId = serviceId, RecordedByServiceId = serviceId, Class = EncounterClass.Home, Status = status, TypeCode = "11429006",
                StartAt = now.AddHours(-2), EndAt = now.AddHours(-1), LastUpdated = lastUpdated ?? now,
            };
            db.Encounters.Add(e);
            await db.SaveChangesAsync();
            return e.Id;
        });
    }

    private static async Task<InvitationRun> RunJobAsync(SecureApp app)
    {
        await using var scope = app.Factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ExperienceInvitationService>().RunAsync(CancellationToken.None);
    }

    private static Task<List<ExperienceInvitation>> InvitationsAsync(SecureApp app) => app.QueryAsync(db => db.ExperienceInvitations.AsNoTracking().OrderBy(i => i.Id).ToListAsync());

    /// <summary>Adults of the demo borough other than the demo patient, and children, with no relationship (so no other test data).</summary>
    private static Task<List<long>> PeopleAsync(SecureApp app, bool children, int count)
    {
        var cutoff = DateOnly.FromDateTime(app.Clock.GetUtcNow().UtcDateTime).AddYears(-16).AddDays(-2);
        return app.QueryAsync(db => db.Patients.Where(p => children ? p.BirthDate > cutoff.AddDays(4) : p.BirthDate < cutoff)
            .Where(p => !db.CareRelationships.Any(r => r.PatientId == p.Id) && !db.CarerProxies.Any(x => x.PatientId == p.Id) && !db.Users.Any(u => u.PatientId == p.Id))
            .OrderBy(p => p.Id).Select(p => p.Id).Take(count).ToListAsync());
    }

    private static async Task GrantProxyAsync(SecureApp app, long patientId)
    {
        var carer = SecureApp.Email(Roles.Carer);
        await app.QueryAsync(async db =>
        {
            var carerId = await db.Users.Where(u => u.Email == carer).Select(u => u.Id).FirstAsync();
            db.CarerProxies.Add(new CarerProxy { PatientId = patientId, CarerUserId = carerId, GrantedAt = app.Clock.GetUtcNow().UtcDateTime, GrantedByUserId = carerId });
            return await db.SaveChangesAsync();
        });
    }

    /// <summary>An open FFT invitation for the person with community nursing, made by the job after a visit.</summary>
    private static async Task<long> InvitedAsync(SecureApp app, long patientId, string service = "adult-community-nursing")
    {
        await EncounterAsync(app, patientId, await ServiceAsync(app, service));
        await RunJobAsync(app);
        return await app.QueryAsync(db => db.ExperienceInvitations.Where(i => i.PatientId == patientId && i.AnsweredAt == null).OrderByDescending(i => i.Id).Select(i => i.Id).FirstAsync());
    }

    private static Task<int> RealResponsesAsync(SecureApp app) => app.QueryAsync(db => db.ExperienceResponses.CountAsync(r => r.Channel != ExperienceChannel.Synthetic));

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Invitations_follow_first_contacts_and_service_encounters_once_never_for_sensitive_services_or_within_30_days_and_children_only_with_a_carer(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var nursing = await ServiceAsync(app, "adult-community-nursing");
        var sensitive = await app.QueryAsync(db => db.Services.Where(s => s.IsSensitive).Select(s => s.Id).FirstAsync());
        var adults = await PeopleAsync(app, children: false, 4);
        var children = await PeopleAsync(app, children: true, 2);
        Assert.Equal(4, adults.Count);
        Assert.Equal(2, children.Count);
        await GrantProxyAsync(app, children[1]);
        // The generated borough's own recent contacts are invited first; what follows is this test's alone.
        await RunJobAsync(app);
        var before = (await InvitationsAsync(app)).Select(i => i.Id).ToHashSet();

        // A first contact on a referral route: the demo patient referred, routed, accepted and contacted by the nurses.
        var patient = await CareScenario.EpisodeWithTwoServicesAsync(app);
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var team = await SecureApp.JsonAsync(await nurse.GetAsync("/api/referrals/team"));
        var route = team.EnumerateArray().First(r => r.GetProperty("patientId").GetInt64() == patient && r.GetProperty("serviceName").GetString()!.Contains("nursing", StringComparison.OrdinalIgnoreCase)).GetProperty("routeId").GetInt64();
        Assert.True((await nurse.PostAsync($"/api/referrals/routes/{route}/accept", null)).IsSuccessStatusCode);
        Assert.True((await nurse.PostAsync($"/api/referrals/routes/{route}/first-contact", null)).IsSuccessStatusCode);

        var invited = await EncounterAsync(app, adults[0], nursing);
        await EncounterAsync(app, adults[0], nursing); // the same person and service in the same run: one invitation
        await EncounterAsync(app, adults[1], sensitive); // sensitive: none
        await EncounterAsync(app, adults[2], nursing, EncounterStatus.Planned); // not finished: none
        await EncounterAsync(app, children[0], nursing); // under 16 with no carer's proxy: nobody could answer
        await EncounterAsync(app, children[1], nursing); // under 16 with a proxy: invited, for the carer to answer

        var run = await RunJobAsync(app);
        Assert.Equal(new InvitationRun(1, 2), run);
        var all = (await InvitationsAsync(app)).Where(i => !before.Contains(i.Id)).ToList();
        Assert.Equal(3, all.Count);
        var byRoute = Assert.Single(all, i => i.Trigger == ExperienceTrigger.FirstContact);
        Assert.Equal((patient, route, nursing), (byRoute.PatientId, byRoute.SourceId, byRoute.ServiceId!.Value));
        var adult = Assert.Single(all, i => i.PatientId == adults[0]);
        Assert.Equal((ExperienceTrigger.Encounter, invited, "fft"), (adult.Trigger, adult.SourceId, adult.Questionnaire));
        Assert.Contains(all, i => i.PatientId == children[1]);
        Assert.All(all, i => Assert.Null(i.TokenHash));
        Assert.All(all, i => Assert.Equal(ExperienceInvitationService.ExpiryDays, (i.ExpiresAt - i.SentAt).TotalDays, 3));

        // Idempotent: a second run invites nobody.
        Assert.Equal(new InvitationRun(0, 0), await RunJobAsync(app));

        // The watermark: an encounter written with a time before the last scan (less the overlap) is not scanned again.
        app.Clock.Advance(TimeSpan.FromHours(2));
        await EncounterAsync(app, adults[3], nursing, lastUpdated: app.Clock.GetUtcNow().UtcDateTime.AddHours(-3));
        Assert.Equal(new InvitationRun(0, 0), await RunJobAsync(app));
        var mark = await app.QueryAsync(db => db.ExperienceWatermarks.FirstAsync(w => w.Trigger == ExperienceTrigger.Encounter));
        Assert.Equal(app.Clock.GetUtcNow().UtcDateTime, mark.ScannedTo, TimeSpan.FromSeconds(1));

        // Within 30 days, no second invitation for the same service; after 30 days, a new visit invites again.
        app.Clock.Advance(TimeSpan.FromDays(10));
        await EncounterAsync(app, adults[0], nursing);
        Assert.Equal(new InvitationRun(0, 0), await RunJobAsync(app));
        app.Clock.Advance(TimeSpan.FromDays(21));
        await EncounterAsync(app, adults[0], nursing);
        Assert.Equal(new InvitationRun(0, 1), await RunJobAsync(app));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_public_link_works_once_until_it_expires_stores_the_answers_without_the_person_and_unknown_links_get_a_kind_page(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var invitation = await InvitedAsync(app, patient);
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));

        // Staff list the person's invitations and issue a link, shown once; only its hash is kept.
        var listed = await SecureApp.JsonAsync(await nurse.GetAsync($"/api/experience/invitations?patientId={patient}"));
        Assert.Contains(listed.EnumerateArray(), i => i.GetProperty("id").GetInt64() == invitation);
        var first = await SecureApp.JsonAsync(await nurse.PostAsync($"/api/experience/invitations/{invitation}/link", null));
        var firstToken = first.GetProperty("url").GetString()!.Split("/feedback/")[1];
        var issued = await SecureApp.JsonAsync(await nurse.PostAsync($"/api/experience/invitations/{invitation}/link", null));
        var token = issued.GetProperty("url").GetString()!.Split("/feedback/")[1];
        Assert.Equal(22, token.Length); // 128 bits, base64url
        var stored = await app.QueryAsync(db => db.ExperienceInvitations.AsNoTracking().FirstAsync(i => i.Id == invitation));
        Assert.Equal(ExperienceAnswerService.HashToken(token), stored.TokenHash);
        Assert.DoesNotContain(token, stored.TokenHash, StringComparison.Ordinal);
        // Someone without a relationship gets no link.
        using var stranger = await app.SignInAsync("rehab@demo.joinedup.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostAsync($"/api/experience/invitations/{invitation}/link", null)).StatusCode);

        using var browser = app.Anonymous();
        // The replaced link, and one never issued: the same kind page, no detail, no error.
        foreach (var bad in new[] { firstToken, "AAAAAAAAAAAAAAAAAAAAAA", "x" })
        {
            var page = await browser.GetAsync($"/feedback/{bad}");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("This link does not work", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Community nursing", html, StringComparison.OrdinalIgnoreCase);
        }

        var open = await browser.GetStringAsync($"/feedback/{token}");
        Assert.Contains("Overall, how was your experience of our service?", open, StringComparison.Ordinal);
        // The honeypot: nothing stored, and what was typed is kept.
        var robot = await PostFeedbackAsync(browser, token, new() { ["fft"] = "good", ["fft-why"] = "Kind nurses", ["website"] = "http://spam.example" });
        var robotHtml = await robot.Content.ReadAsStringAsync();
        Assert.Contains("Leave this blank", robotHtml, StringComparison.Ordinal);
        Assert.Contains("Kind nurses", robotHtml, StringComparison.Ordinal);
        // The main question unanswered: refused naming it, the text kept.
        var missing = await (await PostFeedbackAsync(browser, token, new() { ["fft-why"] = "Kind nurses" })).Content.ReadAsStringAsync();
        Assert.Contains("Choose an answer to &quot;Overall, how was your experience of our service?&quot;", missing, StringComparison.Ordinal);
        Assert.Contains("Kind nurses", missing, StringComparison.Ordinal);
        Assert.Equal(0, await RealResponsesAsync(app));

        var saved = await (await PostFeedbackAsync(browser, token, new() { ["fft"] = "very-good", ["fft-why"] = "Kind nurses" })).Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"feedback-saved\"", saved, StringComparison.Ordinal);
        // Single use: a second submit is refused kindly and nothing is counted twice.
        var again = await (await PostFeedbackAsync(browser, token, new() { ["fft"] = "poor" }, html: open)).Content.ReadAsStringAsync();
        Assert.Contains("already been answered", again, StringComparison.Ordinal);
        Assert.Contains("already been answered", await browser.GetStringAsync($"/feedback/{token}"), StringComparison.Ordinal);
        Assert.Equal(1, await RealResponsesAsync(app));

        // Anonymous: the response and its answers hold no patient or invitation id, and dates are days.
        var response = await app.QueryAsync(db => db.ExperienceResponses.AsNoTracking().SingleAsync(r => r.Channel != ExperienceChannel.Synthetic));
        Assert.Equal((ExperienceChannel.Link, "fft", "1"), (response.Channel, response.Questionnaire, response.QuestionnaireVersion));
        Assert.Equal(stored.ServiceId, response.ServiceId);
        var answers = await app.QueryAsync(db => db.ExperienceAnswers.AsNoTracking().Where(a => a.ResponseId == response.Id).OrderBy(a => a.LinkId).ToListAsync());
        Assert.Equal([("fft", "very-good", null), ("fft-why", null, "Kind nurses")], answers.Select(a => (a.LinkId, a.Code, a.Text)).ToList());
        await AssertNoPathToAPersonAsync(app);
        var answered = await app.QueryAsync(db => db.ExperienceInvitations.AsNoTracking().FirstAsync(i => i.Id == invitation));
        Assert.Equal(TimeSpan.Zero, answered.AnsweredAt!.Value.TimeOfDay);

        // Expiry: a link for another invitation stops working after 30 days.
        var other = await InvitedAsync(app, patient, "foot-health");
        var late = (await SecureApp.JsonAsync(await nurse.PostAsync($"/api/experience/invitations/{other}/link", null))).GetProperty("url").GetString()!.Split("/feedback/")[1];
        app.Clock.Advance(TimeSpan.FromDays(ExperienceInvitationService.ExpiryDays + 1));
        Assert.Contains("This link has expired", await browser.GetStringAsync($"/feedback/{late}"), StringComparison.Ordinal);
        Assert.Equal(1, await RealResponsesAsync(app));
    }

    /// <summary>The schema itself: no column of a response or an answer names a patient or an invitation, and no foreign key leads to one.</summary>
    private static async Task AssertNoPathToAPersonAsync(SecureApp app)
    {
        await app.QueryAsync(db =>
        {
            foreach (var type in new[] { typeof(ExperienceResponse), typeof(ExperienceAnswer) })
            {
                var entity = db.Model.FindEntityType(type)!;
                Assert.DoesNotContain(entity.GetProperties(), p => p.Name.Contains("Patient", StringComparison.Ordinal) || p.Name.Contains("Invitation", StringComparison.Ordinal));
                Assert.All(entity.GetForeignKeys(), fk => Assert.Contains(fk.PrincipalEntityType.ClrType, new[] { typeof(ExperienceResponse), typeof(JoinedUp.Directory.Service), typeof(JoinedUp.Directory.Organisation), typeof(JoinedUp.Directory.Network) }));
            }
            return Task.FromResult(0);
        });
    }

    private static async Task<HttpResponseMessage> PostFeedbackAsync(HttpClient client, string token, Dictionary<string, string> fields, string? html = null)
    {
        html ??= await client.GetStringAsync($"/feedback/{token}");
        var form = new Dictionary<string, string>(fields)
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(TokenPattern().Match(html).Groups[1].Value),
            ["_handler"] = "feedback",
        };
        return await client.PostAsync($"/feedback/{token}", new FormUrlEncodedContent(form));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Answers_are_checked_with_messages_naming_the_question_and_a_second_answer_is_refused(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var invitation = await InvitedAsync(app, patient);
        using var me = await app.SignInAsync(SecureApp.Email(Roles.Patient));
        var mine = await SecureApp.JsonAsync(await me.GetAsync("/api/experience/mine"));
        Assert.Contains(mine.EnumerateArray(), i => i.GetProperty("invitation").GetProperty("id").GetInt64() == invitation);

        async Task<(HttpStatusCode, string)> Answer(Dictionary<string, string?> answers)
        {
            var r = await me.PostAsJsonAsync($"/api/experience/invitations/{invitation}/answers", new { answers });
            var text = await r.Content.ReadAsStringAsync();
            // The problems, as "field: message" lines.
            var problems = r.StatusCode == (HttpStatusCode)422
                ? string.Join("\n", JsonDocument.Parse(text).RootElement.GetProperty("problems").EnumerateArray().Select(p => $"{p.GetProperty("field").GetString()}: {p.GetProperty("message").GetString()}"))
                : text;
            return (r.StatusCode, problems);
        }

        var (status, body) = await Answer(new() { ["fft-why"] = "Fine" });
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal("fft: Choose an answer to \"Overall, how was your experience of our service?\".", body);
        (status, body) = await Answer(new() { ["fft"] = "excellent" });
        Assert.Equal((HttpStatusCode)422, status);
        Assert.StartsWith("fft: The answer to \"Overall, how was your experience of our service?\" must be one of the choices offered (very good, good, neither good nor poor, poor, very poor, don't know)", body, StringComparison.Ordinal);
        (status, body) = await Answer(new() { ["fft"] = "good", ["fft-why"] = new string('a', ExperienceQuestionnaires.MaxText + 1) });
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Contains($"to {ExperienceQuestionnaires.MaxText} characters or fewer: it has {ExperienceQuestionnaires.MaxText + 1}", body, StringComparison.Ordinal);
        Assert.Equal(0, await RealResponsesAsync(app));

        Assert.Equal(HttpStatusCode.Created, (await Answer(new() { ["fft"] = "good", ["fft-why"] = new string('a', ExperienceQuestionnaires.MaxText) })).Item1);
        Assert.Equal(HttpStatusCode.Conflict, (await Answer(new() { ["fft"] = "poor" })).Item1);
        Assert.Equal(1, await RealResponsesAsync(app));
        // Someone else's invitation is not found, whoever they are.
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        Assert.Equal(HttpStatusCode.Forbidden, (await nurse.PostAsJsonAsync($"/api/experience/invitations/{invitation}/answers", new { answers = new { fft = "good" } })).StatusCode);

        // The experience questionnaire: every statement needs an answer, "not applicable" included.
        var questionnaire = ExperienceQuestionnaires.Find(ExperienceQuestionnaires.Experience)!;
        var (checkedAnswers, problems) = ExperienceQuestionnaires.Check(questionnaire, new Dictionary<string, string?> { ["story-once"] = "agree", ["knew-who-to-contact"] = "not-applicable" });
        Assert.Empty(checkedAnswers);
        Assert.Equal(["services-talked", "followed-up", "involved-in-decisions"], problems.Select(p => p.Field).ToList());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Experience_responses_are_read_over_FHIR_with_outcomes_read_anonymous_and_dated_by_day_and_others_are_refused(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var invitation = await InvitedAsync(app, patient);
        using var me = await app.SignInAsync(SecureApp.Email(Roles.Patient));
        Assert.Equal(HttpStatusCode.Created, (await me.PostAsJsonAsync($"/api/experience/invitations/{invitation}/answers", new { answers = new { fft = "neither", fft_why = (string?)null } })).StatusCode);
        var id = await app.QueryAsync(db => db.ExperienceResponses.Where(r => r.Channel == ExperienceChannel.PatientView).Select(r => r.Id).SingleAsync());

        using var anonymous = app.Anonymous();
        foreach (var q in new[] { "fft", "experience", "holistic-assessment" })
        {
            var questionnaire = await SecureApp.JsonAsync(await anonymous.GetAsync($"/fhir/Questionnaire/{q}"));
            Assert.Equal(q, questionnaire.GetProperty("id").GetString());
        }
        var fft = await SecureApp.JsonAsync(await anonymous.GetAsync("/fhir/Questionnaire/fft"));
        Assert.Equal(["very-good", "good", "neither", "poor", "very-poor", "dont-know"], fft.GetProperty("item")[0].GetProperty("answerOption").EnumerateArray().Select(o => o.GetProperty("valueCoding").GetProperty("code").GetString()).ToList());
        var experience = await SecureApp.JsonAsync(await anonymous.GetAsync("/fhir/Questionnaire/experience"));
        Assert.Equal(["story-once", "knew-who-to-contact", "services-talked", "followed-up", "involved-in-decisions", "anything-else"], experience.GetProperty("item").EnumerateArray().Select(i => i.GetProperty("linkId").GetString()).ToList());
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/fhir/Questionnaire/nothing")).StatusCode);

        using var commissioner = await app.SignInAsync(SecureApp.Email(Roles.Commissioner));
        var read = await commissioner.GetAsync($"/fhir/QuestionnaireResponse/experience-{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var qr = await SecureApp.JsonAsync(read);
        Assert.Equal($"experience-{id}", qr.GetProperty("id").GetString());
        Assert.Equal("completed", qr.GetProperty("status").GetString());
        Assert.Equal("https://joinedup.example/fhir/Questionnaire/fft|1", qr.GetProperty("questionnaire").GetString());
        Assert.Matches("^\\d{4}-\\d{2}-\\d{2}$", qr.GetProperty("authored").GetString()!);
        Assert.False(qr.TryGetProperty("subject", out _));
        Assert.False(qr.TryGetProperty("author", out _));
        Assert.Equal("neither", qr.GetProperty("item")[0].GetProperty("answer")[0].GetProperty("valueCoding").GetProperty("code").GetString());

        var search = await SecureApp.JsonAsync(await commissioner.GetAsync("/fhir/QuestionnaireResponse?questionnaire=fft&_count=5"));
        Assert.Equal("searchset", search.GetProperty("type").GetString());
        Assert.Equal(5, search.GetProperty("entry").GetArrayLength()); // the demo's synthetic responses and ours
        Assert.All(search.GetProperty("entry").EnumerateArray(), e => Assert.False(e.GetProperty("resource").TryGetProperty("subject", out _)));
        Assert.Contains(search.GetProperty("link").EnumerateArray(), l => l.GetProperty("relation").GetString() == "next");
        var missing = await commissioner.GetAsync("/fhir/QuestionnaireResponse");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await commissioner.GetAsync("/fhir/QuestionnaireResponse/experience-987654321")).StatusCode);

        // A clinician, and the patient who answered, may not read responses: 403 with an OperationOutcome.
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        foreach (var (client, url) in new[] { (nurse, $"/fhir/QuestionnaireResponse/experience-{id}"), (me, "/fhir/QuestionnaireResponse?questionnaire=fft") })
        {
            var refused = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var outcome = await SecureApp.JsonAsync(refused);
            Assert.Equal("OperationOutcome", outcome.GetProperty("resourceType").GetString());
            Assert.Contains("outcomes.read", outcome.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), StringComparison.Ordinal);
        }
        var metadata = await (await anonymous.GetAsync("/fhir/metadata")).Content.ReadAsStringAsync();
        Assert.Contains("Questionnaire/fft", metadata, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task The_patient_and_a_carer_with_a_proxy_see_tell_us_how_it_went_cards_and_the_carer_answers_until_the_proxy_is_withdrawn(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var invitation = await InvitedAsync(app, patient);
        using var me = await app.SignInAsync(SecureApp.Email(Roles.Patient));
        var mine = await me.GetStringAsync("/my/plan");
        Assert.Contains("Tell us how it went", mine, StringComparison.Ordinal);
        Assert.Contains($"data-invitation=\"{invitation}\"", mine, StringComparison.Ordinal);

        using var carer = await app.SignInAsync(SecureApp.Email(Roles.Carer));
        var page = await carer.GetStringAsync($"/my/plan?patient={patient}");
        Assert.Contains("Tell us how it went", page, StringComparison.Ordinal);
        Assert.Contains("You can answer as their carer", page, StringComparison.Ordinal);
        // The carer answers on the page: an unknown choice first (refused naming the question), then a real one.
        var token = WebUtility.HtmlDecode(TokenPattern().Match(page).Groups[1].Value);
        async Task<string> Post(Dictionary<string, string> fields)
        {
            fields["__RequestVerificationToken"] = token;
            fields["_handler"] = $"experience-{invitation}";
            return await (await carer.PostAsync($"/my/plan?patient={patient}", new FormUrlEncodedContent(fields))).Content.ReadAsStringAsync();
        }
        var wrong = await Post(new() { ["fft"] = "brilliant", ["fft-why"] = "Kept it" });
        Assert.Contains("must be one of the choices offered", wrong, StringComparison.Ordinal);
        Assert.Contains("Kept it", wrong, StringComparison.Ordinal);
        var done = await Post(new() { ["fft"] = "good" });
        Assert.Contains("your answers are saved", done, StringComparison.Ordinal);
        Assert.DoesNotContain($"data-invitation=\"{invitation}\"", done, StringComparison.Ordinal);
        Assert.Equal(ExperienceChannel.PatientView, await app.QueryAsync(db => db.ExperienceResponses.Where(r => r.Channel != ExperienceChannel.Synthetic).Select(r => r.Channel).SingleAsync()));
        Assert.DoesNotContain("Tell us how it went", await me.GetStringAsync("/my/plan"), StringComparison.Ordinal);

        // A new invitation; the patient withdraws the carer's proxy and the carer no longer sees or answers it.
        var next = await InvitedAsync(app, patient, "foot-health");
        Assert.Contains($"data-invitation=\"{next}\"", await carer.GetStringAsync($"/my/plan?patient={patient}"), StringComparison.Ordinal);
        await app.QueryAsync(db => db.CarerProxies.Where(p => p.PatientId == patient).ExecuteUpdateAsync(u => u.SetProperty(p => p.WithdrawnAt, DateTime.UtcNow)));
        Assert.DoesNotContain("Tell us how it went", await carer.GetStringAsync($"/my/plan?patient={patient}"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await carer.PostAsJsonAsync($"/api/experience/invitations/{next}/answers", new { answers = new { fft = "good" } })).StatusCode);
        Assert.Equal(1, await RealResponsesAsync(app));

        // A child's invitation is for the carer with the proxy, not for the child's own sign-in.
        await using var scope = app.Factory.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<ExperienceAnswerService>();
        var child = (await PeopleAsync(app, children: true, 1))[0];
        var childAccount = new AccessPrincipal { UserId = "child", DisplayName = "Child", Roles = new HashSet<string> { Roles.Patient }, PatientId = child };
        // Even with an invitation (made while a carer held a proxy), the child's own sign-in is shown no card.
        await GrantProxyAsync(app, child);
        await EncounterAsync(app, child, await ServiceAsync(app, "adult-community-nursing"));
        await RunJobAsync(app);
        Assert.True(await app.QueryAsync(db => db.ExperienceInvitations.AnyAsync(i => i.PatientId == child)));
        Assert.Empty(await service.OpenForAsync(childAccount, child, CancellationToken.None));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task The_seeder_answers_about_15_percent_of_contacts_deterministically_with_a_realistic_positive_share(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        // The demo load has already run it (practice contacts included); run it again with the same seed: the same rows.
        var options = new ExperienceSeedOptions(42, DateOnly.FromDateTime(app.Clock.GetUtcNow().UtcDateTime), IncludePracticeContacts: true);
        var first = await ExperienceSeeder.SeedAsync(app.Db.Options, options, CancellationToken.None);
        var rows1 = await SnapshotAsync(app);
        var second = await ExperienceSeeder.SeedAsync(app.Db.Options, options, CancellationToken.None);
        var rows2 = await SnapshotAsync(app);
        Assert.Equal((first.Sources, first.Responses, first.Answers), (second.Sources, second.Responses, second.Answers));
        Assert.Equal(rows1, rows2);

        Assert.True(first.Sources > 200, $"only {first.Sources} contacts in the demo borough");
        var share = (double)rows1.Count(r => r.Questionnaire == "fft") / first.Sources;
        Assert.InRange(share, 0.09, 0.21);
        var fft = rows1.Where(r => r.Questionnaire == "fft").ToList();
        var positive = (double)fft.Count(r => r.Code is "very-good" or "good") / fft.Count;
        Assert.InRange(positive, 0.80, 0.95);
        Assert.All(rows1, r => Assert.True(r.Authored >= r.Contact && r.Authored <= options.Today));

        // Another seed answers for other rows.
        await ExperienceSeeder.SeedAsync(app.Db.Options, options with { Seed = 7 }, CancellationToken.None);
        Assert.NotEqual(rows1, await SnapshotAsync(app));
    }

    private sealed record SeedRow(string Questionnaire, int? Practice, DateOnly Contact, DateOnly Authored, string? Code);

    private static Task<List<SeedRow>> SnapshotAsync(SecureApp app) => app.QueryAsync(db => db.ExperienceResponses.AsNoTracking()
        .Where(r => r.Channel == ExperienceChannel.Synthetic)
        .OrderBy(r => r.Id)
        .Select(r => new SeedRow(r.Questionnaire, r.PracticeId, r.ContactDate, r.AuthoredDate,
            db.ExperienceAnswers.Where(a => a.ResponseId == r.Id && (a.LinkId == "fft" || a.LinkId == "story-once")).Select(a => a.Code).FirstOrDefault()))
        .ToListAsync());
}
