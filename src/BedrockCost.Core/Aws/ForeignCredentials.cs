using System.Reflection;
using Amazon.Runtime;

namespace BedrockCost.Core.Aws;

/// <summary>
/// Credentials held by an object of another AWS SDK copy: AWS.Tools loads its own AWSSDK.Core into the default
/// load context, so its AWSCredentials (from -Credential, or inside $StoredAWSCredentials) is not this module's
/// type. They are used by duck typing: GetCredentials() is called on the foreign object by reflection each time
/// credentials are needed (so refreshing credentials keep refreshing), and its AccessKey, SecretKey and Token
/// are copied into this SDK's ImmutableCredentials. The values are never logged or shown.
/// </summary>
public sealed class ForeignCredentials : AWSCredentials
{
    private readonly object _source;
    private readonly MethodInfo _getCredentials;

    private ForeignCredentials(object source, MethodInfo getCredentials)
    {
        _source = source;
        _getCredentials = getCredentials;
    }

    /// <summary>Credentials of an object that is, or duck-types as, an AWSCredentials.</summary>
    /// <param name="parameter">How the user gave it, for the error message.</param>
    /// <exception cref="BedrockCostException">AwsInvalidParameter: the object has no GetCredentials().</exception>
    public static AWSCredentials From(object value, string parameter)
    {
        if (value is AWSCredentials own) return own;
        var method = value.GetType().GetMethod(nameof(GetCredentials), BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        if (method is null || method.ReturnType == typeof(void))
            throw new BedrockCostException(ErrorIds.AwsInvalidParameter, ErrorKind.InvalidArgument,
                $"{parameter} takes an AWSCredentials object (for example from Get-AWSCredential or New-AWSCredential); got a {value.GetType().Name}.", parameter);
        return new ForeignCredentials(value, method);
    }

    /// <summary>
    /// The credentials inside AWS.Tools' $StoredAWSCredentials: an AWSPSCredentials wrapper whose (non-public)
    /// Credentials property holds an AWSCredentials and whose Name property names the profile; or an AWSCredentials.
    /// </summary>
    public static (AWSCredentials Credentials, string? Name) FromStored(object stored)
    {
        var properties = stored.GetType().GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);
        var inner = properties.FirstOrDefault(p => p.Name == "Credentials" && p.GetIndexParameters().Length == 0)?.GetValue(stored);
        var name = properties.FirstOrDefault(p => p.Name == "Name" && p.PropertyType == typeof(string))?.GetValue(stored) as string;
        return (From(inner ?? stored, "$StoredAWSCredentials"), name);
    }

    public override ImmutableCredentials GetCredentials()
    {
        object? result;
        try { result = _getCredentials.Invoke(_source, null); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new BedrockCostException(ErrorIds.AwsCredentialsNotFound, ErrorKind.PermissionDenied,
                $"The AWS credentials object given could not provide credentials: {e.InnerException.Message}", null, e.InnerException);
        }
        if (result is ImmutableCredentials own) return own;
        string? Text(string property) => result?.GetType().GetProperty(property, BindingFlags.Public | BindingFlags.Instance)?.GetValue(result) as string;
        var accessKey = Text("AccessKey");
        var secretKey = Text("SecretKey");
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
            throw new BedrockCostException(ErrorIds.AwsCredentialsNotFound, ErrorKind.PermissionDenied,
                "The AWS credentials object given returned no access key and secret key.", null);
        return new ImmutableCredentials(accessKey, secretKey, Text("Token"));
    }
}
