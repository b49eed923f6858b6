namespace JoinedUp.Security;

/// <summary>
/// SMART-on-FHIR style scopes carried by a bearer token: <c>context/resource.interactions</c>, where context is
/// <c>patient</c>, <c>user</c> or <c>system</c>, resource is a FHIR type or <c>*</c>, and interactions are v2 letters
/// (<c>cruds</c>) or the v1 words <c>read</c>, <c>write</c> and <c>*</c>. Other scopes (openid, profile,
/// offline_access) are ignored here.
/// </summary>
public sealed class SmartScopes
{
    private readonly List<(string Context, string Resource, string Interactions)> _grants = [];

    private SmartScopes()
    {
    }

    /// <summary>The scopes a signed-in browser session holds: no token scopes, the user's own permissions apply alone.</summary>
    public static SmartScopes? Session => null;

    public IReadOnlyList<string> Granted => _grants.Select(g => $"{g.Context}/{g.Resource}.{g.Interactions}").ToList();

    public static SmartScopes Parse(IEnumerable<string> scopes)
    {
        var result = new SmartScopes();
        foreach (var scope in scopes)
        {
            var slash = scope.IndexOf('/', StringComparison.Ordinal);
            var dot = scope.LastIndexOf('.');
            if (slash <= 0 || dot <= slash + 1 || dot == scope.Length - 1) continue;
            var context = scope[..slash];
            if (context is not ("patient" or "user" or "system")) continue;
            var resource = scope[(slash + 1)..dot];
            var action = scope[(dot + 1)..];
            var interactions = action switch
            {
                "read" => "rs",
                "write" => "cud",
                "*" => "cruds",
                _ => action.All(c => "cruds".Contains(c, StringComparison.Ordinal)) ? action : null,
            };
            if (interactions is null) continue;
            result._grants.Add((context, resource, interactions));
        }
        return result;
    }

    /// <summary>True when some granted scope in one of <paramref name="contexts"/> covers the resource and interaction.</summary>
    public bool Allows(string resource, char interaction, params string[] contexts) =>
        _grants.Any(g => contexts.Contains(g.Context, StringComparer.Ordinal)
            && (g.Resource == "*" || string.Equals(g.Resource, resource, StringComparison.Ordinal))
            && g.Interactions.Contains(interaction, StringComparison.Ordinal));

    /// <summary>The scopes a client may be granted: the supported SMART scopes plus the OpenID ones.</summary>
    public static readonly IReadOnlyList<string> Supported =
    [
        "patient/*.rs", "patient/*.read", "user/*.cruds", "user/*.rs", "user/*.read", "user/*.write", "user/Patient.rs",
        "user/Patient.cruds", "user/Observation.cruds", "system/*.rs", "system/*.read", "system/*.cruds", "system/Patient.rs",
    ];
}
