using System.Collections.Concurrent;

namespace BedrockCost.Core.Classification;

/// <summary>Who made a Bedrock call, from the form of <c>line_item_iam_principal</c>.</summary>
public enum PrincipalKind
{
    IamUser,
    ApiKey,
    AppRole,
    FederatedUser,
    IdentityCenterUser,
    Root,
    Unknown,
}

/// <summary>The parts of a principal ARN.</summary>
public sealed record PrincipalInfo(
    string Arn,
    PrincipalKind Kind,
    string? Account,
    string? Role,
    string? Session,
    string? Person,
    string? UserName);

/// <summary>Parses principal ARNs (reference section 5). Pure and cached.</summary>
public static class PrincipalParser
{
    private static readonly ConcurrentDictionary<string, PrincipalInfo> Cache = new(StringComparer.Ordinal);

    public static PrincipalInfo Parse(string arn) => Cache.GetOrAdd(arn, static a => ParseCore(a));

    /// <summary>
    /// An ARN shortened for tables and reports, most telling part first so that a cut keeps it: the resource part
    /// and the account, "user/alice (111122223333)"; an assumed role without "assumed-role/", "BedrockRole/jane@example.com
    /// (111122223333)"; an Identity Center role as its permission set, "SSO DataScience/carol@example.com (111122223333)".
    /// Other text is returned as it is.
    /// </summary>
    public static string? ShortName(string? arn)
    {
        if (arn is null || arn.Split(':', 6) is not { Length: 6 } parts) return arn;
        var resource = parts[5];
        if (resource.StartsWith("assumed-role/", StringComparison.Ordinal))
        {
            resource = resource["assumed-role/".Length..];
            if (resource.StartsWith("AWSReservedSSO_", StringComparison.Ordinal))
            {
                var slash = resource.IndexOf('/');
                resource = "SSO " + PermissionSetName(slash < 0 ? resource : resource[..slash]) + (slash < 0 ? string.Empty : resource[slash..]);
            }
        }
        return parts[4].Length == 0 ? resource : $"{resource} ({parts[4]})";
    }

    private static PrincipalInfo ParseCore(string arn)
    {
        // arn:PARTITION:SERVICE::ACCOUNT:RESOURCE
        var parts = arn.Split(':', 6);
        if (parts.Length < 6 || !parts[0].Equals("arn", StringComparison.OrdinalIgnoreCase))
            return new PrincipalInfo(arn, PrincipalKind.Unknown, null, null, null, null, null);

        var service = parts[2];
        var account = string.IsNullOrEmpty(parts[4]) ? null : parts[4];
        var resource = parts[5];

        if (service.Equals("iam", StringComparison.OrdinalIgnoreCase))
        {
            if (resource == "root") return new PrincipalInfo(arn, PrincipalKind.Root, account, null, null, null, null);
            if (resource.StartsWith("user/", StringComparison.Ordinal))
            {
                var name = resource[(resource.LastIndexOf('/') + 1)..];
                return name.StartsWith("BedrockAPIKey-", StringComparison.OrdinalIgnoreCase)
                    ? new PrincipalInfo(arn, PrincipalKind.ApiKey, account, null, null, null, name)
                    : new PrincipalInfo(arn, PrincipalKind.IamUser, account, null, null, name, name);
            }
            if (resource.StartsWith("role/", StringComparison.Ordinal))
                return new PrincipalInfo(arn, PrincipalKind.AppRole, account, resource[(resource.LastIndexOf('/') + 1)..], null, null, null);
        }

        if (service.Equals("sts", StringComparison.OrdinalIgnoreCase))
        {
            if (resource.StartsWith("assumed-role/", StringComparison.Ordinal))
            {
                var rest = resource["assumed-role/".Length..];
                var slash = rest.IndexOf('/');
                var role = slash < 0 ? rest : rest[..slash];
                var session = slash < 0 ? null : rest[(slash + 1)..];
                if (role.StartsWith("AWSReservedSSO_", StringComparison.Ordinal))
                    return new PrincipalInfo(arn, PrincipalKind.IdentityCenterUser, account, PermissionSetName(role), session, session, null);
                return LooksLikePerson(session)
                    ? new PrincipalInfo(arn, PrincipalKind.FederatedUser, account, role, session, session, null)
                    : new PrincipalInfo(arn, PrincipalKind.AppRole, account, role, session, null, null);
            }
            if (resource.StartsWith("federated-user/", StringComparison.Ordinal))
            {
                var name = resource["federated-user/".Length..];
                return new PrincipalInfo(arn, PrincipalKind.FederatedUser, account, null, name, name, null);
            }
        }

        return new PrincipalInfo(arn, PrincipalKind.Unknown, account, null, null, null, null);
    }

    /// <summary>AWSReservedSSO_DataScience_0123abcd -> DataScience (the permission set).</summary>
    private static string PermissionSetName(string role)
    {
        var name = role["AWSReservedSSO_".Length..];
        var last = name.LastIndexOf('_');
        return last > 0 ? name[..last] : name;
    }

    /// <summary>
    /// A federated session is a person when its name is an e-mail address or a DOMAIN\user login;
    /// application sessions ("session-123", "i-0abc", Lambda function names) are not.
    /// </summary>
    public static bool LooksLikePerson(string? session) =>
        session is not null && (session.Contains('@') || session.Contains('\\'));
}
