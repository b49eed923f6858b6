using System.Text;
using System.Text.Json.Nodes;

namespace JoinedUp.Outcomes.Payments;

/// <summary>
/// A what-if copy of the built-in contract with changed targets. The copy is made by editing the contract file's JSON and
/// reading it again with <see cref="PaymentContract.Parse"/>, so a changed target is checked by exactly the same rules as
/// a contract file (in order between floor and stretch for the measure's direction). Never stored.
/// </summary>
public static class ContractScenario
{
    /// <summary>
    /// The built-in contract with each measure's target in <paramref name="targets"/> replaced. A measure with its own curve
    /// has the breakpoint at its old target moved to the new one (keeping its share of points). Problems are returned, not
    /// thrown: an unknown measure, or a target out of order with the floor and stretch.
    /// </summary>
    public static ContractLoad WithTargets(IReadOnlyDictionary<string, decimal> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        using var stream = typeof(PaymentContract).Assembly.GetManifestResourceStream("JoinedUp.Outcomes.Payments.contract.json");
        if (stream is null) return new ContractLoad(null, ["The built-in payment contract is missing from the assembly."]);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var root = JsonNode.Parse(reader.ReadToEnd())!.AsObject();
        var problems = new List<string>();
        var measures = root["measures"]!.AsArray();
        foreach (var (id, target) in targets)
        {
            var measure = measures.OfType<JsonObject>().FirstOrDefault(m => string.Equals((string?)m["id"], id, StringComparison.Ordinal));
            if (measure is null)
            {
                problems.Add($"'{id}' is not a measure of the contract.");
                continue;
            }
            var old = (decimal)measure["target"]!;
            measure["target"] = target;
            if (measure["curve"] is JsonArray curve)
            {
                foreach (var point in curve.OfType<JsonObject>().Where(p => (decimal)p["value"]! == old)) point["value"] = target;
            }
        }
        if (problems.Count > 0) return new ContractLoad(null, problems);
        return PaymentContract.Parse(root.ToJsonString(), "what-if contract");
    }
}
