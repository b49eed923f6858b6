using Microsoft.EntityFrameworkCore.Design;

namespace JoinedUp.Storage;

/// <summary>Lets `dotnet ef migrations add X --context SqliteJoinedUpDbContext` build the SQLite model.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteJoinedUpDbContext>
{
    public SqliteJoinedUpDbContext CreateDbContext(string[] args) =>
        (SqliteJoinedUpDbContext)JoinedUpStorage.CreateContext(new StorageOptions { SqlitePath = Path.Combine(Path.GetTempPath(), "joinedup-design.db") });
}

/// <summary>Lets `dotnet ef migrations add X --context PostgresJoinedUpDbContext` build the PostgreSQL model (no server is contacted).</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresJoinedUpDbContext>
{
    public PostgresJoinedUpDbContext CreateDbContext(string[] args) =>
        (PostgresJoinedUpDbContext)JoinedUpStorage.CreateContext(new StorageOptions
        {
            Provider = StorageProvider.Postgres,
            ConnectionString = "Host=localhost;Database=joinedup_design;Username=joinedup",
        });
}
