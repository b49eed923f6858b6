using System.Net;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;

namespace JoinedUp.Tests.Outcomes;

/// <summary>An analyst's folder of definitions (<c>Outcomes:DefinitionsPath</c>) replaces the built-in framework, with no recompile.</summary>
public class DefinitionsFolderTests
{
    [Fact]
    public async Task The_app_serves_the_measures_of_an_analysts_folder_instead_of_the_built_in_ones()
    {
        var library = MeasureLibrary.LoadDefault();
        var dir = Path.Combine(Path.GetTempPath(), $"definitions-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "valuesets"));
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "measures"));
        try
        {
            foreach (var set in library.ValueSets.Values) await File.WriteAllTextAsync(Path.Combine(dir, "valuesets", $"{set.Id}.valueset.json"), set.Json);
            // The analyst's edit: the HbA1c threshold and title changed, everything else left out.
            var edited = library.Find("diabetes-hba1c")!.Json
                .Replace("\"value\": 58,", "\"value\": 53,", StringComparison.Ordinal)
                .Replace("58 mmol/mol or less", "53 mmol/mol or less", StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(dir, "measures", "diabetes-hba1c.measure.json"), edited);

            await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?> { ["Outcomes:DefinitionsPath"] = dir });
            using var commissioner = await app.SignInAsync(SecureApp.Email(Roles.Commissioner));
            var bundle = await SecureApp.JsonAsync(await commissioner.GetAsync("/fhir/Measure"));
            Assert.Equal(1, bundle.GetProperty("total").GetInt32());
            var measure = bundle.GetProperty("entry")[0].GetProperty("resource");
            Assert.Contains("53 mmol/mol or less", measure.GetProperty("title").GetString(), StringComparison.Ordinal);
            var binary = await commissioner.GetAsync("/fhir/Binary/measure-diabetes-hba1c");
            Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }
}
