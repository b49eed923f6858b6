using System.Text;
using JoinedUp.Directory;
using JoinedUp.Directory.Catalogue;

namespace JoinedUp.Tests.Directory;

public class CatalogueTests
{
    [Fact]
    public void The_built_in_catalogue_lists_every_service_the_seeds_name_with_the_sensitive_ones_flagged()
    {
        var c = ServiceCatalogue.LoadDefault();
        string[] expected =
        [
            "spa", "out-of-hours", "advocacy", "interpreting",
            "children-salt", "children-safeguarding", "children-audiology", "children-community-nursing",
            "adult-psychology", "adult-audiology", "inpatient-rehab-beds", "termination-of-pregnancy",
            "community-mental-health", "foot-health", "stroke-rehab", "community-diabetes", "adult-community-nursing",
        ];
        Assert.Equal(expected.Order(), c.Services.Select(s => s.Code).Order());
        Assert.Equal(["children-safeguarding", "termination-of-pregnancy"], c.Services.Where(s => s.IsSensitive).Select(s => s.Code).Order());
        Assert.All(Enum.GetValues<ServiceLine>(), line => Assert.Contains(c.Services, s => s.Line == line));
        Assert.Contains(c.Services, s => s.Availability == ServiceAvailability.OutOfHours);
    }

    [Fact]
    public void Malformed_json_names_the_line()
    {
        var json = "{\n  \"borough\": { \"name\": \"X\", \"postcodeDistricts\": [\"E1\"] },\n  \"organisations\": [ oops ]\n}";
        var ex = Assert.Throws<CatalogueException>(() => ServiceCatalogue.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test.json"));
        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("test.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_in_a_catalogue_is_listed_with_what_to_fix()
    {
        var json = """
        {
          "borough": { "name": "X", "postcodeDistricts": ["E1"] },
          "organisations": [ { "code": "A1", "name": "Provider", "kind": "LeadProvider" } ],
          "services": [
            { "code": "s1", "name": "One", "line": "Coordination", "provider": "NOPE",
              "eligibility": { "minAge": 70, "maxAge": 10 }, "hours": { "availability": "InHours", "days": "Weekdays", "opens": "9am", "closes": "17:00" },
              "weeklyCapacity": -1, "sensitive": false },
            { "code": "s1", "name": "Dup", "line": "Coordination", "provider": "A1", "eligibility": {}, "hours": { "availability": "InHours", "days": "Weekdays", "opens": "09:00", "closes": "17:00" }, "weeklyCapacity": 1 }
          ]
        }
        """;
        var ex = Assert.Throws<CatalogueException>(() => ServiceCatalogue.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)), "bad.json"));
        Assert.Contains(ex.Problems, p => p.Contains("provider 'NOPE'", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("minAge' (70) is above 'maxAge' (10)", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("'9am' is not a time", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("cannot be negative", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("appears more than once", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("'sensitive' is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_field_is_rejected_rather_than_ignored()
    {
        var json = """{ "borough": { "name": "X", "postcodeDistricts": ["E1"], "mayor": "Y" }, "organisations": [], "services": [] }""";
        var ex = Assert.Throws<CatalogueException>(() => ServiceCatalogue.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)), "x.json"));
        Assert.Contains("mayor", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_code_the_generator_uses_is_in_the_checked_in_list()
    {
        foreach (var field in typeof(JoinedUp.Record.Codes.ClinicalCodes).GetFields().Where(f => f.IsLiteral))
        {
            var code = (string)field.GetRawConstantValue()!;
            Assert.True(JoinedUp.Record.Codes.ClinicalCodes.Find(JoinedUp.Record.CodeSystems.Snomed, code) is not null, $"{field.Name} {code} is not in codes.json");
        }
    }
}

public class CatalogueImportTests
{
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Importing_the_same_catalogue_twice_changes_nothing_the_second_time(JoinedUp.Storage.StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var ctx = JoinedUp.Storage.JoinedUpStorage.CreateContext(db.Options);
        await new JoinedUp.Storage.DatabaseMigrator(ctx, db.Options).MigrateAsync(default);
        var catalogue = ServiceCatalogue.LoadDefault();
        var first = await new CatalogueImporter(ctx).ImportAsync(catalogue, default);
        Assert.Equal(new CatalogueImportResult(6, 0, 17, 0, 17), first);

        await using var again = JoinedUp.Storage.JoinedUpStorage.CreateContext(db.Options);
        var second = await new CatalogueImporter(again).ImportAsync(catalogue, default);
        Assert.Equal(new CatalogueImportResult(0, 0, 0, 0, 0), second);
    }
}
