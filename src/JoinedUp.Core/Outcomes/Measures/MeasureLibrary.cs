using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace JoinedUp.Outcomes.Measures;

/// <summary>A set of definitions that failed to load; <see cref="Problems"/> lists every problem with file and JSON path.</summary>
public sealed class MeasureLibraryException(IReadOnlyList<string> problems)
    : Exception($"The measure definitions have {problems.Count} problem(s):{System.Environment.NewLine}" + string.Join(System.Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// The outcomes framework: every measure definition (<c>measures/*.measure.json</c>) and value set
/// (<c>valuesets/*.valueset.json</c>), checked together. The defaults are built into the binary from
/// <c>Outcomes/Definitions</c>; <c>Outcomes:DefinitionsPath</c> (or <c>joinedup measures check DIR</c>) reads a folder of
/// the same shape instead, so an analyst can change a measure without recompiling.
/// </summary>
public sealed class MeasureLibrary
{
    private const string ResourcePrefix = "JoinedUp.Outcomes.Definitions.";

    public IReadOnlyList<MeasureDefinition> Measures { get; }
    public IReadOnlyDictionary<string, ValueSet> ValueSets { get; }

    /// <summary>SHA-256 over every definition's and value set's hash, in id order: names the exact framework a run used.</summary>
    public string Sha256 { get; }

    /// <summary>Where the definitions came from ("built in" or a folder).</summary>
    public string Origin { get; }

    private MeasureLibrary(IReadOnlyList<MeasureDefinition> measures, IReadOnlyDictionary<string, ValueSet> valueSets, string origin)
    {
        Measures = measures;
        ValueSets = valueSets;
        Origin = origin;
        var all = string.Join("\n", measures.OrderBy(m => m.Id, StringComparer.Ordinal).Select(m => $"m {m.Id} {m.Sha256}")
            .Concat(valueSets.Values.OrderBy(v => v.Id, StringComparer.Ordinal).Select(v => $"v {v.Id} {Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(v.Json)))}")));
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(all)));
    }

    public MeasureDefinition? Find(string id) => Measures.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.Ordinal));

    /// <summary>The shipped framework, built into the binary.</summary>
    public static MeasureLibrary LoadDefault()
    {
        var assembly = typeof(MeasureLibrary).Assembly;
        var files = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(n => (Name: n[ResourcePrefix.Length..], Text: ReadResource(assembly, n)))
            .ToList();
        return Load(files, "built in");
    }

    /// <summary>A folder with <c>measures/</c> and <c>valuesets/</c> (or the files side by side). Throws <see cref="MeasureLibraryException"/> listing every problem.</summary>
    public static MeasureLibrary LoadDirectory(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new MeasureLibraryException([$"{directory}: no such folder; give the folder that holds measures/ and valuesets/"]);
        }
        var files = System.IO.Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".measure.json", StringComparison.Ordinal) || f.EndsWith(".valueset.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (Name: Path.GetRelativePath(directory, f), Text: File.ReadAllText(f)))
            .ToList();
        return Load(files, directory);
    }

    public static MeasureLibrary Load(IReadOnlyList<(string Name, string Text)> files, string origin)
    {
        var problems = new List<string>();
        var measures = new List<MeasureDefinition>();
        var valueSets = new Dictionary<string, ValueSet>(StringComparer.Ordinal);
        foreach (var (name, text) in files.Where(f => f.Name.EndsWith(".valueset.json", StringComparison.Ordinal)))
        {
            if (ValueSet.Read(text, name, problems) is not { } vs) continue;
            if (!valueSets.TryAdd(vs.Id, vs)) problems.Add($"{name}: $.id: the value set id '{vs.Id}' is also used by {valueSets[vs.Id].Source}.");
        }
        foreach (var (name, text) in files.Where(f => f.Name.EndsWith(".measure.json", StringComparison.Ordinal)))
        {
            if (MeasureReader.Read(text, name, problems) is not { } m) continue;
            if (measures.FirstOrDefault(x => x.Id == m.Id) is { } other)
            {
                problems.Add($"{name}: $.id: the measure id '{m.Id}' is also used by {other.Source}.");
                continue;
            }
            foreach (var (path, set) in ValueSetReferences(m))
            {
                if (!valueSets.ContainsKey(set)) problems.Add($"{name}: {path}: no value set has the id '{set}'; add valuesets/{set}.valueset.json or correct the id.");
            }
            measures.Add(m);
        }
        if (measures.Count == 0 && problems.Count == 0) problems.Add($"{origin}: no *.measure.json files found.");
        if (problems.Count > 0) throw new MeasureLibraryException(problems);
        return new MeasureLibrary(measures.OrderBy(m => m.Domain).ThenBy(m => m.Id, StringComparer.Ordinal).ToList(), valueSets, origin);
    }

    /// <summary>Every value set a definition names, with the JSON path that names it.</summary>
    public static IEnumerable<(string Path, string ValueSet)> ValueSetReferences(MeasureDefinition m)
    {
        IEnumerable<(string, string)> Walk(Criterion c) => c switch
        {
            ConditionCriterion x => new[] { ($"{x.Path}.valueSet", x.ValueSet) }.Concat(x.NotResolvedBy is { } r ? [($"{x.Path}.notResolvedBy", r)] : []),
            ObservationCriterion x => [($"{x.Path}.valueSet", x.ValueSet)],
            ExistsCriterion x => new[] { ($"{x.Path}.valueSet", x.ValueSet) }.Concat(x.AfterLatest is { } a ? [($"{x.Path}.afterLatest", a)] : []),
            LatestCodeCriterion x => [($"{x.Path}.of", x.Of), ($"{x.Path}.isIn", x.IsIn)],
            ImmunisationCriterion x => [($"{x.Path}.valueSet", x.ValueSet)],
            AllOfCriterion x => x.Of.SelectMany(Walk),
            AnyOfCriterion x => x.Of.SelectMany(Walk),
            NotCriterion x => x.Of.SelectMany(Walk),
            _ => [],
        };
        var all = m.Population.Concat(m.Denominator).Concat(m.Exclusions).Concat(m.Numerator).Concat(m.Exceptions).SelectMany(Walk);
        return m.Count?.ValueSet is { } cv ? all.Append(("$.count.valueSet", cv)) : all;
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
