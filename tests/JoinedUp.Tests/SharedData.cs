namespace JoinedUp.Tests;

/// <summary>The test data no one here wrote, in ../shared/data beside the repository (see ../shared/data/README.md).</summary>
internal static class SharedData
{
    /// <summary>The folder of 40 Synthea R4 transaction bundles.</summary>
    public static string SyntheaFolder { get; } = Find(Path.Combine("shared", "data", "synthea-r4"));

    public static IReadOnlyList<string> SyntheaBundles => System.IO.Directory.GetFiles(SyntheaFolder, "*.json").Order(StringComparer.Ordinal).ToList();

    private static string Find(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"{relative} was not found above {AppContext.BaseDirectory}: the tests expect ../shared beside the repository.");
    }
}
