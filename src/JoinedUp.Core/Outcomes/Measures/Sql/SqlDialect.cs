using JoinedUp.Storage;

namespace JoinedUp.Outcomes.Measures.Sql;

/// <summary>
/// What differs between SQLite and PostgreSQL in compiled measures (ADR 0006 3.2). Everything else is the SQL both
/// accept: CTE-free derived tables, IN semi-joins, ROW_NUMBER() and LIMIT.
/// </summary>
public abstract class SqlDialect
{
    public static readonly SqlDialect Sqlite = new SqliteDialect();
    public static readonly SqlDialect Postgres = new PostgresDialect();

    public static SqlDialect For(StorageProvider provider) => provider == StorageProvider.Postgres ? Postgres : Sqlite;

    public abstract StorageProvider Provider { get; }

    /// <summary>The literal for false in a comparison with a boolean column.</summary>
    public abstract string False { get; }

    /// <summary>An instant plus a number of seconds given as a parameter, comparable with stored instants.</summary>
    public abstract string AddSeconds(string instant, string secondsParameter);

    /// <summary>A date column plus whole months and days (numbers the reader checked), as a date.</summary>
    public abstract string AddMonthsToDate(string date, int months, int days);

    private sealed class SqliteDialect : SqlDialect
    {
        public override StorageProvider Provider => StorageProvider.Sqlite;

        public override string False => "0";

        // Instants are stored as text 'yyyy-MM-dd HH:mm:ss.FFFFFFF'. strftime gives 'yyyy-MM-dd HH:mm:ss.SSS', which
        // compares as text in the right order with stored values (a stored value equal to the bound sorts at or before it).
        public override string AddSeconds(string instant, string secondsParameter) =>
            $"strftime('%Y-%m-%d %H:%M:%f', {instant}, ({secondsParameter}) || ' seconds')";

        public override string AddMonthsToDate(string date, int months, int days) =>
            $"date({date}, '{months:+0;-0} months', '{days:+0;-0} days')";
    }

    private sealed class PostgresDialect : SqlDialect
    {
        public override StorageProvider Provider => StorageProvider.Postgres;

        public override string False => "false";

        public override string AddSeconds(string instant, string secondsParameter) =>
            $"({instant} + make_interval(secs => {secondsParameter}))";

        public override string AddMonthsToDate(string date, int months, int days) =>
            $"CAST({date} + make_interval(months => {months}, days => {days}) AS date)";
    }
}
