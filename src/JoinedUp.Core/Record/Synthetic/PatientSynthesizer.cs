using System.Globalization;
using JoinedUp.Record.Codes;

namespace JoinedUp.Record.Synthetic;

/// <summary>
/// Makes one synthetic person and their record: demographics, long-term conditions at inner-London prevalence,
/// three years of reviews and results, childhood immunisations and medicines. Each person draws from their own
/// random stream, so person N is the same whatever the size of the borough.
/// </summary>
internal sealed class PatientSynthesizer
{
    // Inner-London age structure (share of registered list by age band: young, with few older people).
    private static readonly (int From, int To, double Share)[] AgeBands =
    [
        (0, 4, 0.07), (5, 14, 0.11), (15, 24, 0.14), (25, 34, 0.24), (35, 44, 0.16),
        (45, 54, 0.11), (55, 64, 0.08), (65, 74, 0.05), (75, 84, 0.03), (85, 99, 0.01),
    ];

    private static readonly double[] AgeCumulative = People.Cumulative(AgeBands.Select(b => b.Share));

    // Relative risk by age band, scaled below to hit the borough's target prevalence.
    private static readonly double[] DiabetesShape = [0.02, 0.05, 0.2, 0.6, 2.0, 5.5, 11, 16, 19, 18];
    private static readonly double[] HypertensionShape = [0, 0, 0.2, 1, 4, 12, 24, 38, 50, 55];
    private static readonly double[] CopdShape = [0, 0, 0, 0, 0.3, 1.5, 4, 7, 8, 8];
    private static readonly double[] ChdShape = [0, 0, 0, 0.05, 0.4, 2, 6, 11, 15, 18];
    private static readonly double[] StrokeShape = [0, 0, 0, 0.05, 0.2, 0.8, 2.5, 5, 8, 10];

    public const double DiabetesTarget = 0.07;
    public const double HypertensionTarget = 0.11;
    public const double CopdTarget = 0.015;
    public const double ChdTarget = 0.02;
    public const double StrokeTarget = 0.01;

    private static readonly double[] DiabetesRisk = Calibrate(DiabetesShape, DiabetesTarget);
    private static readonly double[] HypertensionRisk = Calibrate(HypertensionShape, HypertensionTarget);
    private static readonly double[] CopdRisk = Calibrate(CopdShape, CopdTarget);
    private static readonly double[] ChdRisk = Calibrate(ChdShape, ChdTarget);
    private static readonly double[] StrokeRisk = Calibrate(StrokeShape, StrokeTarget);

    private static readonly ClinicalCode Hba1c = ClinicalCodes.ByKey("hba1c");
    private static readonly ClinicalCode Bp = ClinicalCodes.ByKey("blood-pressure");
    private static readonly ClinicalCode Cholesterol = ClinicalCodes.ByKey("cholesterol");
    private static readonly ClinicalCode CopdReview = ClinicalCodes.ByKey("copd-review");

    // The UK routine childhood schedule: (code key, age in days when due, dose number).
    private static readonly (ClinicalCode Code, int AgeDays, int Dose)[] Schedule =
    [
        (ClinicalCodes.ByKey("6in1"), 56, 1), (ClinicalCodes.ByKey("menb-1"), 56, 1), (ClinicalCodes.ByKey("rotavirus"), 56, 1),
        (ClinicalCodes.ByKey("6in1"), 84, 2), (ClinicalCodes.ByKey("pcv-1"), 84, 1), (ClinicalCodes.ByKey("rotavirus"), 84, 2),
        (ClinicalCodes.ByKey("6in1"), 112, 3), (ClinicalCodes.ByKey("menb-2"), 112, 2),
        (ClinicalCodes.ByKey("hib-menc"), 365, 1), (ClinicalCodes.ByKey("mmr-1"), 365, 1), (ClinicalCodes.ByKey("pcv-booster"), 365, 2), (ClinicalCodes.ByKey("menb-booster"), 365, 3),
        (ClinicalCodes.ByKey("mmr-2"), 1216, 2), (ClinicalCodes.ByKey("4in1"), 1216, 1),
    ];

    private static readonly ClinicalCode[] FrailtyCodes = [ClinicalCodes.ByKey("frailty-mild"), ClinicalCodes.ByKey("frailty-moderate"), ClinicalCodes.ByKey("frailty-severe")];

    // Emergency admissions a year by age band, before the multipliers for long-term conditions and frailty.
    private static readonly double[] AdmissionRate = [0.07, 0.03, 0.035, 0.035, 0.04, 0.05, 0.07, 0.11, 0.2, 0.35];

    // Planned (elective) inpatient stays a year by age band.
    private static readonly double[] ElectiveRate = [0, 0, 0, 0, 0, 0.006, 0.015, 0.03, 0.035, 0.02];

    private static readonly ClinicalCode Cataract = ClinicalCodes.ByKey("cataract");
    private static readonly ClinicalCode KneeOsteoarthritis = ClinicalCodes.ByKey("knee-osteoarthritis");

    private readonly BoroughPlan _plan;
    private readonly ActivitySynthesizer? _activity;
    private readonly int? _hospitalId;
    private readonly long _seed;
    private readonly DateOnly _asOf;
    private readonly DateTime _asOfUtc;
    private readonly string[] _districts;

    // Ids are assigned in the order rows are made; the record is empty when generation starts.
    private long _encounterId, _conditionId, _observationId, _immunisationId, _medicationId, _carerId;

    public PatientSynthesizer(BoroughPlan plan, long seed, DateOnly asOf, IReadOnlyList<string> boroughDistricts, ActivitySynthesizer? activity = null, int? hospitalId = null)
    {
        _plan = plan;
        _activity = activity;
        _hospitalId = hospitalId;
        _seed = seed;
        _asOf = asOf;
        _asOfUtc = asOf.ToDateTime(new TimeOnly(0, 0), DateTimeKind.Utc);
        _districts = [.. boroughDistricts];
    }

    private static double[] Calibrate(double[] shape, double target)
    {
        var expected = 0.0;
        for (var i = 0; i < shape.Length; i++) expected += shape[i] * AgeBands[i].Share;
        var scale = target / expected;
        return shape.Select(s => s * scale).ToArray();
    }

    /// <summary>Adds person <paramref name="index"/> (0-based) and their record to <paramref name="chunk"/>.</summary>
    public void Add(int index, string? nhsNumber, RowChunk chunk)
    {
        var rng = Rng.ForStream(_seed, purpose: 10, index);
        var id = index + 1L;
        var practice = _plan.Practices[rng.PickCumulative(_plan.PracticeCumulativeWeights)];

        var band = rng.PickCumulative(AgeCumulative);
        var (from, to, _) = AgeBands[band];
        var ageDays = rng.Next(from * 365, (to + 1) * 365 - 1);
        var birth = _asOf.AddDays(-ageDays);
        var age = ageDays / 365;
        var female = rng.Chance(0.495);
        var community = People.Communities[rng.PickCumulative(People.CommunityCumulative)];
        var given = rng.Pick(female ? community.FemaleNames : community.MaleNames);
        var family = rng.Pick(community.FamilyNames);
        var language = PickLanguage(ref rng, community);
        var interpreter = language != "en" && rng.Chance(community.InterpreterIfNotEnglish + (age >= 60 ? 0.3 : 0));
        var resident = !rng.Chance(0.03);
        var postcode = !resident
            ? Postcode(ref rng, rng.Pick(People.NeighbouringDistricts))
            : Postcode(ref rng, rng.Pick(_districts));
        var updated = _asOfUtc.AddDays(-rng.Next(0, 1000));

        chunk.Add(BoroughTables.Patient,
        [
            id, nhsNumber, string.Create(CultureInfo.InvariantCulture, $"JU-{id:D7}"), given, family, birth,
            (int)(female ? Sex.Female : Sex.Male), postcode, practice.Id, language, interpreter, 1, updated,
        ]);

        if (age >= 65 && rng.Chance(0.08))
        {
            var carerGiven = rng.Pick(rng.Chance(0.6) ? community.FemaleNames : community.MaleNames);
            chunk.Add(BoroughTables.Carer,
            [
                ++_carerId, id, $"{carerGiven} {family}", rng.Pick(People.CarerRelationships),
                string.Create(CultureInfo.InvariantCulture, $"07700 9{rng.Next(0, 100000):D5}"), null,
            ]);
        }

        // Long-term conditions: age-specific risk times the practice's own factor.
        var diabetes = rng.Chance(DiabetesRisk[band] * practice.DiabetesFactor);
        var hypertension = rng.Chance(HypertensionRisk[band] * practice.HypertensionFactor * (diabetes ? 1.6 : 1.0));
        var copd = rng.Chance(CopdRisk[band] * practice.CopdFactor);
        var chd = rng.Chance(ChdRisk[band] * practice.ChdFactor * (diabetes ? 1.5 : 1.0));
        var stroke = rng.Chance(StrokeRisk[band]);

        var type1 = diabetes && (age < 30 || rng.Chance(0.08));
        if (diabetes) AddCondition(ref rng, chunk, id, practice, age, type1 ? ClinicalCodes.Type1Diabetes : ClinicalCodes.Type2Diabetes, type1 ? "Diabetes mellitus type 1" : "Diabetes mellitus type 2");
        if (hypertension) AddCondition(ref rng, chunk, id, practice, age, ClinicalCodes.EssentialHypertension, "Essential hypertension");
        if (copd) AddCondition(ref rng, chunk, id, practice, age, ClinicalCodes.Copd, "Chronic obstructive pulmonary disease");
        if (chd) AddCondition(ref rng, chunk, id, practice, age, ClinicalCodes.CoronaryHeartDisease, "Ischaemic heart disease");
        if (stroke) AddCondition(ref rng, chunk, id, practice, age, ClinicalCodes.Stroke, "Cerebrovascular accident");

        if (diabetes) AddMedication(ref rng, chunk, id, type1 ? null : "metformin");
        if (hypertension) AddMedication(ref rng, chunk, id, rng.Chance(0.55) ? "amlodipine" : "ramipril");
        if (chd || stroke) { AddMedication(ref rng, chunk, id, "atorvastatin"); AddMedication(ref rng, chunk, id, "aspirin"); }
        if (copd) AddMedication(ref rng, chunk, id, "salbutamol");

        // Three years of reviews: people with a long-term condition are invited every six months.
        var longTerm = diabetes || hypertension || copd || chd || stroke;
        if (longTerm)
        {
            var hba1cBase = rng.Normal(type1 ? 66 : 58, 11) + practice.Hba1cOffset;
            var systolicBase = rng.Normal(hypertension ? 141 : 132, 13) + practice.SystolicOffset;
            var diastolicBase = rng.Normal(hypertension ? 85 : 79, 8);
            var cholBase = rng.Normal(chd ? 4.3 : 4.9, 0.8);
            var attendance = Math.Clamp(practice.RecordingRate + rng.Normal(0, 0.12), 0.1, 0.99);
            for (var review = 0; review < 6; review++)
            {
                if (!rng.Chance(attendance)) continue;
                var when = _asOfUtc.AddDays(-(review * 182) - rng.Next(1, 170)).AddHours(9 + rng.Next(0, 8)).AddMinutes(rng.Next(0, 4) * 15);
                var encounterId = ++_encounterId;
                chunk.Add(BoroughTables.Encounter,
                    [encounterId, id, practice.Id, null, (int)EncounterClass.Ambulatory, (int)EncounterStatus.Finished, ClinicalCodes.Consultation, when, when.AddMinutes(15), 1, when, null]);
                if (diabetes)
                {
                    var value = Math.Round(Math.Clamp(hba1cBase + rng.Normal(0, 5), 31, 140));
                    AddObservation(chunk, id, encounterId, Hba1c, when, value, null);
                }
                if (hypertension || diabetes || chd || stroke || rng.Chance(0.5))
                {
                    var sys = Math.Round(Math.Clamp(systolicBase + rng.Normal(0, 9), 90, 220));
                    var dia = Math.Round(Math.Clamp(diastolicBase + rng.Normal(0, 6), 50, 130));
                    AddObservation(chunk, id, encounterId, Bp, when, sys, dia);
                }
                if ((diabetes || chd || stroke) && review % 2 == 0)
                {
                    AddObservation(chunk, id, encounterId, Cholesterol, when, Math.Round(Math.Clamp(cholBase + rng.Normal(0, 0.4), 2.0, 10.0), 1), null);
                }
                if (copd && review % 2 == 0)
                {
                    AddObservation(chunk, id, encounterId, CopdReview, when, null, null);
                }
            }
        }
        else if (age is >= 40 and <= 74 && rng.Chance(0.35))
        {
            // An NHS Health Check: one blood pressure in the three years.
            var when = _asOfUtc.AddDays(-rng.Next(1, 3 * 365)).AddHours(9 + rng.Next(0, 8));
            var encounterId = ++_encounterId;
            chunk.Add(BoroughTables.Encounter,
                [encounterId, id, practice.Id, null, (int)EncounterClass.Ambulatory, (int)EncounterStatus.Finished, ClinicalCodes.Consultation, when, when.AddMinutes(20), 1, when, null]);
            AddObservation(chunk, id, encounterId, Bp, when, Math.Round(Math.Clamp(rng.Normal(126, 14), 90, 200)), Math.Round(Math.Clamp(rng.Normal(78, 8), 50, 120)));
        }

        // Childhood immunisations for children under 11: some families engage less; some doses come late.
        if (age < 11)
        {
            var engagement = Math.Clamp(practice.ImmunisationCoverage + rng.Normal(0, 0.06), 0.3, 0.995);
            var stillEngaged = true;
            foreach (var (code, dueDays, dose) in Schedule)
            {
                if (ageDays < dueDays) break;
                stillEngaged = stillEngaged && rng.Chance(Math.Pow(engagement, 0.25));
                if (!stillEngaged || !rng.Chance(engagement)) continue;
                var givenOn = birth.AddDays(dueDays + (int)Math.Abs(rng.Normal(0, 18)) + rng.Next(0, 10));
                if (givenOn > _asOf) continue;
                chunk.Add(BoroughTables.Immunisation,
                    [++_immunisationId, id, code.System, code.Code, code.Display, (int)ImmunisationStatus.Completed, givenOn, dose, practice.Id, 1, givenOn.ToDateTime(new TimeOnly(10, 0), DateTimeKind.Utc)]);
            }
        }

        // Frailty, hospital stays and community activity draw from streams of their own, so adding them left every row
        // above exactly as it was.
        var more = Rng.ForStream(_seed, purpose: 12, index);
        var conditions = new PersonConditions(diabetes, hypertension, copd, chd, stroke);
        var frailty = AddFrailty(ref more, chunk, id, age, conditions);
        AddHospitalStays(ref more, chunk, id, band, age, conditions, frailty);
        _activity?.Add(index, new ActivityPerson(id, birth, female, given, family, nhsNumber, postcode, resident, language, interpreter, practice, conditions, frailty), chunk);
    }

    /// <summary>
    /// An electronic frailty index grade coded for a share of people aged 65 and over (more with age and long-term
    /// conditions): 0 none, 1 mild, 2 moderate, 3 severe. A third of them were coded a grade milder earlier on.
    /// </summary>
    private int AddFrailty(ref Rng rng, RowChunk chunk, long patientId, int age, PersonConditions conditions)
    {
        if (age < 65) return 0;
        var coded = 0.22 + 0.06 * conditions.Count + (age >= 75 ? 0.15 : 0) + (age >= 85 ? 0.15 : 0);
        if (!rng.Chance(coded)) return 0;
        var severity = rng.NextDouble() + 0.08 * conditions.Count + (age >= 75 ? 0.12 : 0) + (age >= 85 ? 0.15 : 0);
        var grade = severity switch { < 0.55 => 1, < 0.92 => 2, _ => 3 };
        var latest = _asOfUtc.AddDays(-rng.Next(7, 2 * 365)).AddHours(9 + rng.Next(0, 8));
        if (grade > 1 && rng.Chance(0.33))
        {
            var earlier = latest.AddDays(-rng.Next(120, 500));
            AddObservation(chunk, patientId, null, FrailtyCodes[grade - 2], earlier, null, null);
        }
        AddObservation(chunk, patientId, null, FrailtyCodes[grade - 1], latest, null, null);
        return grade;
    }

    /// <summary>
    /// Emergency admissions (class Emergency, one encounter from arrival to discharge, with the condition as reason) and
    /// a few planned inpatient stays (class Inpatient) over the three years, at the hospital trust.
    /// </summary>
    private void AddHospitalStays(ref Rng rng, RowChunk chunk, long patientId, int band, int age, PersonConditions c, int frailty)
    {
        var rate = AdmissionRate[band] * (c.Copd ? 2.4 : 1) * (c.Diabetes ? 1.4 : 1) * (c.Chd ? 1.6 : 1) * (c.Stroke ? 1.3 : 1) * frailty switch { 2 => 1.6, 3 => 2.2, _ => 1 };
        var admissions = Math.Min(6, Poisson(ref rng, 3 * rate));
        for (var k = 0; k < admissions; k++)
        {
            var arrived = _asOfUtc.AddDays(-rng.Next(2, 3 * 365)).AddMinutes(rng.Next(0, 24 * 60));
            var reason = EmergencyReason(ref rng, age, c);
            var stayHours = rng.Chance(0.3) ? rng.Next(4, 24) : rng.Next(24, 24 * (age >= 75 ? 14 : 6));
            var left = arrived.AddHours(stayHours);
            if (left > _asOfUtc) left = _asOfUtc.AddMinutes(-rng.Next(1, 600));
            chunk.Add(BoroughTables.Encounter,
                [++_encounterId, patientId, _hospitalId, null, (int)EncounterClass.Emergency, (int)EncounterStatus.Finished, null, arrived, left, 1, left, reason]);
        }
        if (rng.Chance(3 * ElectiveRate[band]))
        {
            var admitted = _asOfUtc.AddDays(-rng.Next(2, 3 * 365)).Date.AddHours(7 + rng.Next(0, 4));
            var reason = age >= 60 && rng.Chance(0.55) ? Cataract.Code : KneeOsteoarthritis.Code;
            var left = reason == Cataract.Code ? admitted.AddHours(rng.Next(4, 10)) : admitted.AddDays(rng.Next(1, 5));
            if (left > _asOfUtc) left = _asOfUtc.AddMinutes(-rng.Next(1, 600));
            chunk.Add(BoroughTables.Encounter,
                [++_encounterId, patientId, _hospitalId, null, (int)EncounterClass.Inpatient, (int)EncounterStatus.Finished, null, admitted, left, 1, left, reason]);
        }
    }

    private static readonly string CopdExacerbation = ClinicalCodes.ByKey("copd-exacerbation").Code;
    private static readonly string Hypoglycaemia = ClinicalCodes.ByKey("hypoglycaemia").Code;
    private static readonly string HeartFailure = ClinicalCodes.ByKey("heart-failure").Code;
    private static readonly string Asthma = ClinicalCodes.ByKey("asthma").Code;
    private static readonly string UrinaryTractInfection = ClinicalCodes.ByKey("urinary-tract-infection").Code;
    private static readonly string Cellulitis = ClinicalCodes.ByKey("cellulitis").Code;
    private static readonly string Appendicitis = ClinicalCodes.ByKey("appendicitis").Code;
    private static readonly string MyocardialInfarction = ClinicalCodes.ByKey("myocardial-infarction").Code;

    /// <summary>
    /// Why an emergency admission happened. Ambulatory-care-sensitive reasons (COPD exacerbation, hypoglycaemia, heart
    /// failure, asthma, urinary tract infection, cellulitis) are likelier for the people they affect, but everyone can
    /// be admitted for reasons that are not (appendicitis, myocardial infarction, stroke).
    /// </summary>
    private static string EmergencyReason(ref Rng rng, int age, PersonConditions c)
    {
        Span<double> w =
        [
            c.Copd ? 6 : 0,
            c.Diabetes ? 1.5 : 0,
            c.Chd ? 3 : age >= 70 ? 0.6 : 0,
            age < 16 ? 2.5 : age < 45 ? 0.8 : 0.3,
            age >= 65 ? 2.5 : 0.8,
            1.2,
            age < 16 ? 3 : age < 45 ? 2.5 : 1,
            age >= 45 ? (c.Chd || c.Diabetes ? 3 : 1.5) : 0.05,
            age >= 55 ? (c.Stroke ? 3 : 1.5) : 0.1,
        ];
        var total = 0.0;
        foreach (var x in w) total += x;
        var pick = rng.NextDouble() * total;
        var i = 0;
        for (; i < w.Length - 1; i++)
        {
            pick -= w[i];
            if (pick < 0) break;
        }
        return i switch
        {
            0 => CopdExacerbation,
            1 => Hypoglycaemia,
            2 => HeartFailure,
            3 => Asthma,
            4 => UrinaryTractInfection,
            5 => Cellulitis,
            6 => Appendicitis,
            7 => MyocardialInfarction,
            _ => ClinicalCodes.Stroke,
        };
    }

    internal static int Poisson(ref Rng rng, double mean)
    {
        // Knuth's method: the means here are small (under 5).
        var limit = Math.Exp(-mean);
        var k = 0;
        var p = rng.NextDouble();
        while (p > limit)
        {
            k++;
            p *= rng.NextDouble();
        }
        return k;
    }

    private void AddCondition(ref Rng rng, RowChunk chunk, long patientId, PlannedPractice practice, int age, string code, string display)
    {
        var yearsAgo = rng.NextDouble() * Math.Min(20, Math.Max(0.5, age - 15));
        var onset = _asOf.AddDays(-(int)(yearsAgo * 365));
        chunk.Add(BoroughTables.Condition,
            [++_conditionId, patientId, CodeSystems.Snomed, code, display, (int)ConditionStatus.Active, onset, practice.Id, 1, onset.ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc)]);
    }

    private void AddMedication(ref Rng rng, RowChunk chunk, long patientId, string? key)
    {
        if (key is null) return;
        var code = ClinicalCodes.ByKey(key);
        var started = _asOf.AddDays(-rng.Next(30, 3000));
        chunk.Add(BoroughTables.MedicationStatement,
            [++_medicationId, patientId, code.System, code.Code, code.Display, (int)MedicationStatus.Active, started, null, Dosage(key), 1, started.ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc)]);
    }

    private static string Dosage(string key) => key switch
    {
        "metformin" => "One tablet twice a day with meals",
        "salbutamol" => "Two puffs when needed",
        "ramipril" => "One capsule once a day",
        _ => "One tablet once a day",
    };

    private void AddObservation(RowChunk chunk, long patientId, long? encounterId, ClinicalCode code, DateTime when, double? value, double? secondary) =>
        chunk.Add(BoroughTables.Observation,
            [++_observationId, patientId, encounterId, code.System, code.Code, code.Display, (int)ObservationStatus.Final, when, value, secondary, code.Unit, 1, when]);

    private static string PickLanguage(ref Rng rng, People.Community community)
    {
        var x = rng.NextDouble();
        foreach (var (language, share) in community.Languages)
        {
            x -= share;
            if (x < 0) return language;
        }
        return community.Languages[^1].Language;
    }

    private static string Postcode(ref Rng rng, string district) =>
        string.Create(CultureInfo.InvariantCulture, $"{district} {rng.Next(1, 10)}{People.PostcodeUnitLetters[rng.Next(0, People.PostcodeUnitLetters.Length)]}{People.PostcodeUnitLetters[rng.Next(0, People.PostcodeUnitLetters.Length)]}");
}

/// <summary>The long-term conditions a person was given.</summary>
internal readonly record struct PersonConditions(bool Diabetes, bool Hypertension, bool Copd, bool Chd, bool Stroke)
{
    public int Count => (Diabetes ? 1 : 0) + (Hypertension ? 1 : 0) + (Copd ? 1 : 0) + (Chd ? 1 : 0) + (Stroke ? 1 : 0);
}
