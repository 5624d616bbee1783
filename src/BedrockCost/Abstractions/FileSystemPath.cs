using System.Management.Automation;
using BedrockCost.Core;

namespace BedrockCost.Abstractions;

/// <summary>
/// Paths the module reads or writes as files (-LiteralPath, -MappingFile, -Destination, -CacheDirectory,
/// -ProfilesLocation), resolved through the provider on the pipeline thread. A path on another provider
/// (Env:, Function:) or an unknown drive is the module's own error, never a provider exception.
/// </summary>
internal static class FileSystemPath
{
    /// <summary>The file-system path of <paramref name="path"/>, which need not exist.</summary>
    /// <exception cref="BedrockCostException">PathNotFileSystem, PathNotFound (unknown drive or provider).</exception>
    public static string Unresolved(PSCmdlet cmdlet, string path)
    {
        string resolved;
        ProviderInfo provider;
        try
        {
            resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (Exception e) when (e is System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException or ArgumentException)
        {
            throw NotFound(path, e);
        }
        return IsFileSystem(provider) ? resolved : throw NotFileSystem(path);
    }

    /// <summary>The existing files and folders <paramref name="path"/> (wildcards allowed) names.</summary>
    public static IReadOnlyList<string> Resolved(PSCmdlet cmdlet, string path)
    {
        System.Collections.ObjectModel.Collection<string> resolved;
        ProviderInfo provider;
        try
        {
            resolved = cmdlet.GetResolvedProviderPathFromPSPath(path, out provider);
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException)
        {
            throw NotFound(path, e);
        }
        if (!IsFileSystem(provider)) throw NotFileSystem(path);
        return resolved.Count > 0 ? resolved : throw NotFound(path, null);
    }

    private static bool IsFileSystem(ProviderInfo provider) => provider.Name == "FileSystem";

    public static BedrockCostException NotFound(string path, Exception? inner) =>
        new(ErrorIds.PathNotFound, ErrorKind.NotFound, $"Cannot find path '{path}' because it does not exist.", path, inner);

    private static BedrockCostException NotFileSystem(string path) =>
        new(ErrorIds.PathNotFileSystem, ErrorKind.InvalidArgument,
            $"'{path}' is not a file-system path: give a file or folder (a path on a drive such as C:\\ or /, or a relative path).", path);
}
