namespace JoinedUp.Bench;

/// <summary>
/// The hand-written floor for the outcomes bench: the same measures as the shipped definitions, each written by hand as
/// the single SQLite statement a person would write, with the codes inlined. Each returns (practice_id, service_id,
/// initial population, denominator, excluded, excepted, numerator) per cell, like the compiled statement, so the bench
/// can assert that both agree cell by cell before it times them.
/// </summary>
internal static class Floor
{
    private const string DiabetesRegister = """
        reg AS (
          SELECT p.id, p.registered_practice_id AS practice_id FROM patient p
          WHERE p.registered_practice_id IS NOT NULL AND p.birth_date <= @age17
            AND p.id IN (
              SELECT d.patient_id FROM (SELECT patient_id, MAX(onset_date) AS last FROM condition
                                        WHERE code IN ('73211009', '46635009', '44054006') AND onset_date <= @end_day GROUP BY patient_id) d
              LEFT JOIN (SELECT patient_id, MAX(onset_date) AS last FROM condition WHERE code = '315051004' AND onset_date <= @end_day GROUP BY patient_id) r
                ON r.patient_id = d.patient_id
              WHERE r.patient_id IS NULL OR d.last > r.last)),
        frail AS (
          SELECT patient_id FROM (
            SELECT patient_id, code, ROW_NUMBER() OVER (PARTITION BY patient_id ORDER BY t DESC, src DESC, id DESC) AS rn FROM (
              SELECT patient_id, code, onset_date AS t, 0 AS src, id FROM condition
              WHERE code IN ('925791000000100', '925831000000107', '925861000000102') AND onset_date <= @end_day
              UNION ALL
              SELECT patient_id, code, effective_at, 1, id FROM observation
              WHERE code IN ('925791000000100', '925831000000107', '925861000000102') AND status IN (1, 2) AND effective_at < @end_i))
          WHERE rn = 1 AND code IN ('925831000000107', '925861000000102'))
        """;

    public static readonly IReadOnlyDictionary<string, string> Sqlite = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["diabetes-hba1c"] = $"""
            WITH {DiabetesRegister},
            latest AS (
              SELECT patient_id, value, unit FROM (
                SELECT patient_id, value, unit, ROW_NUMBER() OVER (PARTITION BY patient_id ORDER BY effective_at DESC, id DESC) AS rn
                FROM observation WHERE code IN ('999791000000106', '1049301000000100') AND status IN (1, 2) AND effective_at >= @year_i AND effective_at < @end_i)
              WHERE rn = 1),
            newdx AS (
              SELECT patient_id FROM condition WHERE code IN ('73211009', '46635009', '44054006')
              GROUP BY patient_id HAVING MIN(onset_date) > @dx9_day AND MIN(onset_date) <= @end_day)
            SELECT practice_id, NULL, COUNT(*), COUNT(*), SUM(ex), SUM(CASE WHEN ex = 0 AND num = 0 AND nd = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN ex = 0 AND num = 1 THEN 1 ELSE 0 END)
            FROM (SELECT reg.practice_id, reg.id IN (SELECT patient_id FROM frail) AS ex,
                         reg.id IN (SELECT patient_id FROM latest WHERE unit = 'mmol/mol' AND value <= 58) AS num,
                         reg.id IN (SELECT patient_id FROM newdx) AS nd
                  FROM reg)
            GROUP BY practice_id
            """,
        ["diabetes-bp"] = $"""
            WITH {DiabetesRegister},
            latest AS (
              SELECT patient_id, value, secondary_value, unit FROM (
                SELECT patient_id, value, secondary_value, unit, ROW_NUMBER() OVER (PARTITION BY patient_id ORDER BY effective_at DESC, id DESC) AS rn
                FROM observation WHERE code = '75367002' AND status IN (1, 2) AND effective_at >= @year_i AND effective_at < @end_i)
              WHERE rn = 1)
            SELECT practice_id, NULL, COUNT(*), COUNT(*), SUM(ex), 0, SUM(CASE WHEN ex = 0 AND num = 1 THEN 1 ELSE 0 END)
            FROM (SELECT reg.practice_id, reg.id IN (SELECT patient_id FROM frail) AS ex,
                         reg.id IN (SELECT patient_id FROM latest WHERE unit = 'mm[Hg]' AND value <= 140 AND secondary_value <= 80) AS num
                  FROM reg)
            GROUP BY practice_id
            """,
        ["copd-review"] = """
            SELECT p.registered_practice_id, NULL, COUNT(*), COUNT(*), 0, 0, SUM(r.patient_id IS NOT NULL)
            FROM patient p
            LEFT JOIN (SELECT DISTINCT patient_id FROM (
                         SELECT patient_id FROM observation WHERE code = '394703002' AND status <> 3 AND effective_at >= @year_i AND effective_at < @end_i
                         UNION ALL
                         SELECT patient_id FROM procedure WHERE code = '394703002' AND status NOT IN (3, 5) AND performed_at >= @year_i AND performed_at < @end_i)) r
              ON r.patient_id = p.id
            WHERE p.registered_practice_id IS NOT NULL
              AND p.id IN (SELECT patient_id FROM condition WHERE code = '13645005' AND status = 1 AND onset_date <= @end_day)
            GROUP BY p.registered_practice_id
            """,
        ["child-imms"] = """
            SELECT p.registered_practice_id, NULL, COUNT(*), COUNT(*), 0, 0,
                   SUM(EXISTS (SELECT 1 FROM immunisation i WHERE i.patient_id = p.id AND i.vaccine_code IN ('38598009', '170433008')
                               AND i.status = 1 AND i.occurred_on <= date(p.birth_date, '+24 months', '+0 days')))
            FROM patient p
            WHERE p.registered_practice_id IS NOT NULL AND p.birth_date <= @age2_end AND p.birth_date > @age2_start
            GROUP BY p.registered_practice_id
            """,
        ["urgent-2h"] = """
            SELECT p.registered_practice_id, (SELECT rr.service_id FROM referral_route rr WHERE rr.referral_id = r.id AND rr.is_booking = 0 ORDER BY rr.id LIMIT 1) AS service_id,
                   COUNT(*), COUNT(*), 0, 0,
                   SUM(r.first_contact_at IS NOT NULL AND r.first_contact_at <= strftime('%Y-%m-%d %H:%M:%f', r.received_at, '+7200 seconds'))
            FROM referral r JOIN patient p ON p.id = r.patient_id
            WHERE r.linked_referral_id IS NULL AND r.urgency = 3 AND r.status IN (2, 3, 5)
              AND r.received_at >= strftime('%Y-%m-%d %H:%M:%f', @start_i, '-7200 seconds') AND r.received_at < strftime('%Y-%m-%d %H:%M:%f', @end_i, '-7200 seconds')
            GROUP BY 1, 2
            """,
        ["care-plan-28d"] = """
            SELECT p.registered_practice_id,
                   (SELECT rr.service_id FROM referral r2 JOIN referral_route rr ON rr.referral_id = r2.id WHERE r2.episode_id = e.id AND rr.is_booking = 0 ORDER BY rr.id LIMIT 1) AS service_id,
                   COUNT(*), COUNT(*), 0, 0,
                   SUM(cp.agreed_at IS NOT NULL AND cp.agreed_at <= strftime('%Y-%m-%d %H:%M:%f', e.opened_at, '+2419200 seconds'))
            FROM episode e JOIN patient p ON p.id = e.patient_id LEFT JOIN care_plan cp ON cp.episode_id = e.id
            WHERE e.opened_at >= strftime('%Y-%m-%d %H:%M:%f', @start_i, '-2419200 seconds') AND e.opened_at < strftime('%Y-%m-%d %H:%M:%f', @end_i, '-2419200 seconds')
            GROUP BY 1, 2
            """,
        ["handover-2d"] = """
            SELECT p.registered_practice_id, tm.service_id, COUNT(*), COUNT(*), SUM(t.status = 5), 0,
                   SUM(t.status <> 5 AND t.accepted_at IS NOT NULL AND t.accepted_at <= strftime('%Y-%m-%d %H:%M:%f', t.created_at, '+172800 seconds'))
            FROM care_task t JOIN patient p ON p.id = t.patient_id LEFT JOIN team tm ON tm.id = t.to_team_id
            WHERE t.kind = 1
              AND t.created_at >= strftime('%Y-%m-%d %H:%M:%f', @start_i, '-172800 seconds') AND t.created_at < strftime('%Y-%m-%d %H:%M:%f', @end_i, '-172800 seconds')
            GROUP BY 1, 2
            """,
    };
}
