using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace BedrockCost.Loader;

/// <summary>
/// The module's own AssemblyLoadContext over its bin folder. Only this tiny assembly lives in the default
/// context; BedrockCost.dll, BedrockCost.Core.dll and every dependency (AWSSDK.*, Parquet, CsvHelper, ...)
/// load here, so a different AWSSDK.Core already loaded by AWS.Tools cannot clash with ours.
/// </summary>
public sealed class LoadContext : AssemblyLoadContext
{
    private const string ModuleAssemblyName = "BedrockCost";

    private static readonly object s_sync = new();
    private static LoadContext? s_instance;

    private readonly string _binPath;
    private readonly string _loaderName;
    private readonly Assembly _moduleAssembly;

    private LoadContext(string binPath)
        : base(name: ModuleAssemblyName, isCollectible: false)
    {
        _binPath = binPath;
        _loaderName = typeof(LoadContext).Assembly.GetName().Name!;
        _moduleAssembly = LoadFromAssemblyPath(Path.Combine(binPath, ModuleAssemblyName + ".dll"));
    }

    /// <summary>Creates the context once per process and returns the cmdlet assembly loaded in it.</summary>
    public static Assembly Initialize()
    {
        lock (s_sync)
        {
            if (s_instance is null)
            {
                string binPath = Path.GetDirectoryName(typeof(LoadContext).Assembly.Location)
                    ?? throw new InvalidOperationException("Cannot locate the BedrockCost bin folder.");
                s_instance = new LoadContext(binPath);
            }

            return s_instance._moduleAssembly;
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // The loader must stay a single copy in the default context, otherwise its statics split in two.
        if (string.Equals(assemblyName.Name, _loaderName, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string path = Path.Combine(_binPath, assemblyName.Name + ".dll");

        // Anything not shipped in bin (System.Management.Automation, the runtime) resolves from the default context.
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        // Native libraries shipped in bin/runtimes/<rid>/native or bin itself; otherwise the default probing.
        foreach (string candidate in NativeCandidates(unmanagedDllName))
        {
            if (File.Exists(candidate))
            {
                return LoadUnmanagedDllFromPath(candidate);
            }
        }

        return IntPtr.Zero;
    }

    private IEnumerable<string> NativeCandidates(string name)
    {
        string[] fileNames = OperatingSystem.IsWindows()
            ? [name, name + ".dll"]
            : OperatingSystem.IsMacOS()
                ? [name, name + ".dylib", "lib" + name + ".dylib"]
                : [name, name + ".so", "lib" + name + ".so"];

        string nativeDir = Path.Combine(_binPath, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        foreach (string fileName in fileNames)
        {
            yield return Path.Combine(nativeDir, fileName);
            yield return Path.Combine(_binPath, fileName);
        }
    }
}
