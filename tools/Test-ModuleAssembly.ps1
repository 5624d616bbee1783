<#
.SYNOPSIS
Reads the metadata of every assembly in a module's bin folder (System.Reflection.Metadata; nothing is loaded
into the runtime) and reports what would keep the module from loading on PowerShell 7.4 (.NET 8).

.DESCRIPTION
One record per assembly: name, version, file version, target framework, references and Problems. A problem is
- a target framework newer than .NET 8 (.NETCoreApp above 8.0, .NETStandard above 2.1), another framework, or none;
- a reference to a framework assembly with a version above the one in the .NET 8 reference pack
  (Microsoft.NETCore.App.Ref 8.0.x), e.g. System.Runtime 9.0.0.0;
- a reference to System.Management.Automation above 7.4 (PowerShell 7.4 supplies it);
- a reference that is neither shipped, nor in .NET 8, nor supplied by PowerShell (something missing), or a
  shipped copy older than the version referenced;
- a shipped assembly that nothing reachable from the entry assemblies references (an assembly the module never
  loads), or a shipped copy of a .NET 8 assembly (the module's load context would take it instead of the runtime's).

The module's load context resolves a reference from bin first, then from the runtime (BedrockCost.Loader), which
is the order checked here.
#>
[CmdletBinding()]
param(
    # The folder holding the module's assemblies (output/BedrockCost/bin, or the installed module's bin).
    [Parameter(Mandatory)][string]$Path,

    # Assemblies the module loads first; everything shipped must be reachable from them.
    [string[]]$EntryAssembly = @('BedrockCost.Loader', 'BedrockCost'),

    # The .NET 8 reference assemblies (Microsoft.NETCore.App.Ref/8.0.x/ref/net8.0). Found from the restore of
    # src/BedrockCost when not given.
    [string]$FrameworkReferencePath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$MaxNetCore = [version]'8.0'
$MaxNetStandard = [version]'2.1'
$MaxPowerShell = [version]'7.4'

function Find-Net8ReferencePack {
    # The SDK restores the targeting pack as a download dependency of the net8.0 projects; an SDK that bundles it
    # keeps it under dotnet/packs instead.
    $candidates = [System.Collections.Generic.List[string]]::new()
    $assets = Join-Path $PSScriptRoot '../src/BedrockCost/obj/project.assets.json'
    if (Test-Path -LiteralPath $assets) {
        $json = Get-Content -Raw -LiteralPath $assets | ConvertFrom-Json
        $pack = @($json.project.frameworks.'net8.0'.downloadDependencies | Where-Object name -EQ 'Microsoft.NETCore.App.Ref')
        foreach ($folder in $json.packageFolders.PSObject.Properties.Name) {
            foreach ($p in $pack) {
                $version = $p.version.Trim('[', ']').Split(',')[0].Trim()
                $candidates.Add((Join-Path $folder "microsoft.netcore.app.ref/$version/ref/net8.0"))
            }
        }
    }
    $dotnet = Get-Command dotnet -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($dotnet) {
        $root = Split-Path -Parent ((Get-Item -LiteralPath $dotnet.Source).ResolvedTarget ?? $dotnet.Source)
        Get-ChildItem -Path (Join-Path $root 'packs/Microsoft.NETCore.App.Ref') -Directory -Filter '8.0.*' -ErrorAction Ignore |
            Sort-Object { [version]$_.Name } -Descending | ForEach-Object { $candidates.Add((Join-Path $_.FullName 'ref/net8.0')) }
    }
    $found = $candidates | Where-Object { Test-Path -LiteralPath (Join-Path $_ 'System.Runtime.dll') } | Select-Object -First 1
    if (-not $found) { throw "The .NET 8 reference pack (Microsoft.NETCore.App.Ref 8.0.x) was not found: build the module first (dotnet restore of src/BedrockCost). Looked in: $($candidates -join '; ')" }
    $found
}

function Get-AttributeTypeName($Reader, $Attribute) {
    $ctor = $Attribute.Constructor
    if ($ctor.Kind -ne [System.Reflection.Metadata.HandleKind]::MemberReference) { return $null }
    $parent = $Reader.GetMemberReference([System.Reflection.Metadata.MemberReferenceHandle]$ctor).Parent
    if ($parent.Kind -ne [System.Reflection.Metadata.HandleKind]::TypeReference) { return $null }
    $type = $Reader.GetTypeReference([System.Reflection.Metadata.TypeReferenceHandle]$parent)
    '{0}.{1}' -f $Reader.GetString($type.Namespace), $Reader.GetString($type.Name)
}

function Read-StringArgument([byte[]]$Blob) {
    # Custom attribute blob (ECMA-335 II.23.3): prolog 0x0001, then the first fixed argument as a SerString.
    if ($Blob.Length -lt 3 -or $Blob[0] -ne 1 -or $Blob[1] -ne 0 -or $Blob[2] -eq 0xFF) { return $null }
    $b = $Blob[2]
    if (($b -band 0x80) -eq 0) { $length = $b; $start = 3 }
    elseif (($b -band 0xC0) -eq 0x80) { $length = (($b -band 0x3F) -shl 8) -bor $Blob[3]; $start = 4 }
    else { $length = (($b -band 0x1F) -shl 24) -bor ($Blob[3] -shl 16) -bor ($Blob[4] -shl 8) -bor $Blob[5]; $start = 6 }
    [System.Text.Encoding]::UTF8.GetString($Blob, $start, $length)
}

function Read-AssemblyMetadata([string]$File) {
    $stream = [System.IO.File]::OpenRead($File)
    try {
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        try {
            if (-not $pe.HasMetadata) { return $null }
            $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            if (-not $reader.IsAssembly) { return $null }
            $definition = $reader.GetAssemblyDefinition()
            $attributes = @{}
            foreach ($handle in $definition.GetCustomAttributes()) {
                $attribute = $reader.GetCustomAttribute($handle)
                $typeName = Get-AttributeTypeName $reader $attribute
                if ($typeName -in 'System.Runtime.Versioning.TargetFrameworkAttribute', 'System.Reflection.AssemblyFileVersionAttribute', 'System.Reflection.AssemblyInformationalVersionAttribute') {
                    $attributes[$typeName] = Read-StringArgument $reader.GetBlobBytes($attribute.Value)
                }
            }
            [pscustomobject]@{
                Name                 = $reader.GetString($definition.Name)
                Version              = $definition.Version
                FileVersion          = $attributes['System.Reflection.AssemblyFileVersionAttribute']
                InformationalVersion = $attributes['System.Reflection.AssemblyInformationalVersionAttribute']
                TargetFramework      = $attributes['System.Runtime.Versioning.TargetFrameworkAttribute']
                File                 = $File
                References           = @(foreach ($h in $reader.AssemblyReferences) {
                        $r = $reader.GetAssemblyReference($h)
                        [pscustomobject]@{ Name = $reader.GetString($r.Name); Version = $r.Version }
                    })
            }
        }
        finally { $pe.Dispose() }
    }
    finally { $stream.Dispose() }
}

function Test-TargetFramework([string]$Moniker) {
    if (-not $Moniker) { return 'has no TargetFramework attribute' }
    if ($Moniker -notmatch '^(?<fw>[^,]+),Version=v(?<v>[\d.]+)') { return "has an unreadable TargetFramework '$Moniker'" }
    $version = [version]$Matches.v
    switch ($Matches.fw) {
        '.NETCoreApp' { if ($version -gt $MaxNetCore) { return "targets $Moniker, newer than .NET $MaxNetCore" } }
        '.NETStandard' { if ($version -gt $MaxNetStandard) { return "targets $Moniker, which .NET 8 does not implement" } }
        default { return "targets $Moniker, not .NET or .NET Standard" }
    }
}

if (-not (Test-Path -LiteralPath $Path -PathType Container)) { throw "No assembly folder at '$Path'." }
if (-not $FrameworkReferencePath) { $FrameworkReferencePath = Find-Net8ReferencePack }

$framework = @{}
foreach ($file in Get-ChildItem -LiteralPath $FrameworkReferencePath -Filter *.dll) {
    $meta = Read-AssemblyMetadata $file.FullName
    if ($meta) { $framework[$meta.Name] = $meta.Version }
}
if (-not $framework.ContainsKey('System.Runtime')) { throw "'$FrameworkReferencePath' is not a .NET reference pack (no System.Runtime)." }

$shipped = [ordered]@{}
foreach ($file in Get-ChildItem -LiteralPath $Path -Filter *.dll -File | Sort-Object Name) {
    $meta = Read-AssemblyMetadata $file.FullName
    if ($meta) { $shipped[$meta.Name] = $meta }
}

# Everything reachable from the entry assemblies through shipped references.
$reachable = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
$queue = [System.Collections.Generic.Queue[string]]::new()
foreach ($name in $EntryAssembly) { if ($shipped.Contains($name) -and $reachable.Add($name)) { $queue.Enqueue($name) } }
while ($queue.Count) {
    foreach ($ref in $shipped[$queue.Dequeue()].References) {
        if ($shipped.Contains($ref.Name) -and $reachable.Add($ref.Name)) { $queue.Enqueue($ref.Name) }
    }
}

$missingEntry = @($EntryAssembly | Where-Object { -not $shipped.Contains($_) })
foreach ($name in $missingEntry) {
    [pscustomobject]@{ Name = $name; Version = $null; FileVersion = $null; InformationalVersion = $null; TargetFramework = $null; File = $null; References = @(); Problems = @("$name.dll is not in '$Path'") }
}

foreach ($meta in $shipped.Values) {
    $problems = [System.Collections.Generic.List[string]]::new()
    $tfm = Test-TargetFramework $meta.TargetFramework
    if ($tfm) { $problems.Add($tfm) }
    if ($framework.ContainsKey($meta.Name)) { $problems.Add("is part of .NET 8: the module's load context would load this copy instead of the runtime's") }
    if (-not $reachable.Contains($meta.Name)) { $problems.Add("is shipped but not referenced from $($EntryAssembly -join ' or ') (the module never loads it)") }
    foreach ($ref in $meta.References) {
        if ($shipped.Contains($ref.Name)) {
            if ($shipped[$ref.Name].Version -lt $ref.Version) { $problems.Add("references $($ref.Name) $($ref.Version), but $($shipped[$ref.Name].Version) is shipped") }
        }
        elseif ($framework.ContainsKey($ref.Name)) {
            if ($ref.Version -gt $framework[$ref.Name]) { $problems.Add("references $($ref.Name) $($ref.Version), newer than .NET 8's $($framework[$ref.Name])") }
        }
        elseif ($ref.Name -eq 'System.Management.Automation') {
            if ([version]('{0}.{1}' -f $ref.Version.Major, $ref.Version.Minor) -gt $MaxPowerShell) { $problems.Add("references System.Management.Automation $($ref.Version), newer than PowerShell $MaxPowerShell") }
        }
        else {
            $problems.Add("references $($ref.Name) $($ref.Version), which is neither shipped nor part of .NET 8 or PowerShell")
        }
    }
    $meta | Add-Member -NotePropertyName Problems -NotePropertyValue $problems.ToArray() -PassThru
}
