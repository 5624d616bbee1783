<#
.SYNOPSIS
Packages the built module (output/BedrockCost) as a .nupkg that Install-PSResource and Install-Module accept.

.DESCRIPTION
1. Stages the module folder as the Gallery lays it out: the manifest, its root module and format files, the help
   (en-US: MAML and about_ topic), bin/*.dll, LICENSE and THIRD-PARTY-NOTICES.txt. Nothing else: no .pdb, no
   .deps.json, no second copy of the help under bin, nothing from tests or samples.
2. Checks the staged assemblies (tools/Test-ModuleAssembly.ps1: .NET 8 / PowerShell 7.4, nothing missing, nothing
   the module never loads), that BedrockCost*.dll carry the manifest's version, and that every other assembly comes
   from a NuGet package of the restore (its licence goes into THIRD-PARTY-NOTICES.txt).
3. Publishes the staged folder with Publish-PSResource to a local file repository, -OutputPath, in a pwsh with a
   throwaway profile (tools/Start-IsolatedPwsh.ps1), so the caller's PSResourceGet repositories stay untouched.

Returns the package: Path, Version, Size, Files (path and size of each module file in it) and Assemblies.
#>
[CmdletBinding()]
param(
    # The built module folder holding BedrockCost.psd1.
    [Parameter(Mandatory)][string]$ModulePath,

    # The local repository folder that receives BedrockCost.<version>.nupkg (other versions there are left alone).
    [Parameter(Mandatory)][string]$OutputPath,

    [string]$RepoRoot = (Split-Path -Parent $PSScriptRoot)
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$moduleName = 'BedrockCost'
$manifestFile = Join-Path $ModulePath "$moduleName.psd1"
if (-not (Test-Path -LiteralPath $manifestFile)) { throw "No built module at '$ModulePath': run ./build.ps1 -Task Build first." }
$manifest = Import-PowerShellDataFile -LiteralPath $manifestFile
$version = $manifest.ModuleVersion

$null = New-Item -ItemType Directory -Force -Path $OutputPath
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).ProviderPath
$work = "$OutputPath-work"
$stage = Join-Path $work $moduleName
if (Test-Path -LiteralPath $work) { Remove-Item -LiteralPath $work -Recurse -Force }
$null = New-Item -ItemType Directory -Force -Path (Join-Path $stage 'bin'), (Join-Path $stage 'en-US')

function Copy-ModuleFile([string]$Relative) {
    $source = Join-Path $ModulePath $Relative
    if (-not (Test-Path -LiteralPath $source -PathType Leaf)) { throw "The built module lacks '$Relative'." }
    Copy-Item -LiteralPath $source -Destination (Join-Path $stage $Relative)
}

function Get-NuspecValue([xml]$Nuspec, [string]$Element) {
    $node = $Nuspec.SelectSingleNode("/*[local-name()='package']/*[local-name()='metadata']/*[local-name()='$Element']")
    if ($node) { $node.InnerText.Trim() }
}

try {
    # 1. The module folder.
    $moduleFiles = @("$moduleName.psd1", $manifest.RootModule) + @($manifest['FormatsToProcess']) + @($manifest['TypesToProcess']) | Where-Object { $_ }
    foreach ($file in $moduleFiles) { Copy-ModuleFile $file }
    foreach ($file in "en-US/$moduleName.dll-Help.xml", "en-US/about_$moduleName.help.txt") { Copy-ModuleFile $file }
    Copy-Item -Path (Join-Path $ModulePath 'bin/*.dll') -Destination (Join-Path $stage 'bin')
    Copy-Item -LiteralPath (Join-Path $RepoRoot 'LICENSE') -Destination $stage

    # 2. The assemblies.
    $assemblies = @(& (Join-Path $PSScriptRoot 'Test-ModuleAssembly.ps1') -Path (Join-Path $stage 'bin'))
    $problems = @($assemblies | ForEach-Object { $a = $_; $a.Problems | ForEach-Object { "$($a.Name): $_" } })
    $expectedVersion = [version]"$version.0"
    foreach ($own in $assemblies | Where-Object Name -Like "$moduleName*") {
        if ($own.Version -ne $expectedVersion -or $own.FileVersion -ne "$expectedVersion") {
            $problems += "$($own.Name): version $($own.Version) (file $($own.FileVersion)), but the manifest says $version"
        }
    }

    # Each third-party assembly's package, from the restore of the cmdlet project (the one whose output is bin).
    $assetsFile = Join-Path $RepoRoot 'src/BedrockCost/obj/project.assets.json'
    $assets = Get-Content -Raw -LiteralPath $assetsFile | ConvertFrom-Json
    $origin = @{}
    foreach ($entry in $assets.targets.'net8.0'.PSObject.Properties) {
        $runtime = $entry.Value.PSObject.Properties['runtime']
        if ($entry.Value.type -ne 'package' -or -not $runtime) { continue }
        $id, $packageVersion = $entry.Name.Split('/')
        foreach ($asset in $runtime.Value.PSObject.Properties.Name | Where-Object { $_ -like '*.dll' }) {
            $nuspec = $assets.packageFolders.PSObject.Properties.Name |
                ForEach-Object { Join-Path $_ "$($id.ToLowerInvariant())/$packageVersion/$($id.ToLowerInvariant()).nuspec" } |
                Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
            $origin[(Split-Path -Leaf $asset)] = [pscustomobject]@{ Id = $id; Version = $packageVersion; Asset = $asset; Nuspec = $nuspec }
        }
    }
    $notices = [System.Text.StringBuilder]::new()
    $null = $notices.AppendLine("$moduleName $version ships these third-party assemblies in bin/. Each is distributed under its own licence,")
    $null = $notices.AppendLine("named here with the address of its text; $moduleName's own licence is in LICENSE.")
    foreach ($a in $assemblies | Where-Object { $_.File -and $_.Name -notlike "$moduleName*" }) {
        $file = Split-Path -Leaf $a.File
        $package = $origin[$file]
        if (-not $package -or -not $package.Nuspec) { $problems += "$($a.Name): not from a NuGet package of the restore, so its licence is unknown"; continue }
        $a | Add-Member -NotePropertyName Package -NotePropertyValue "$($package.Id) $($package.Version) ($($package.Asset))"
        [xml]$nuspec = Get-Content -Raw -LiteralPath $package.Nuspec
        $licence = @((Get-NuspecValue $nuspec 'license'), (Get-NuspecValue $nuspec 'licenseUrl') | Where-Object { $_ }) -join ', '
        $null = $notices.AppendLine().AppendLine("bin/$file - $($package.Id) $($package.Version)")
        $null = $notices.AppendLine("  Licence: $licence")
        $copyright, $project = (Get-NuspecValue $nuspec 'copyright'), (Get-NuspecValue $nuspec 'projectUrl')
        if ($copyright) { $null = $notices.AppendLine("  Copyright: $copyright") }
        if ($project) { $null = $notices.AppendLine("  Project: $project") }
    }
    [System.IO.File]::WriteAllText((Join-Path $stage 'THIRD-PARTY-NOTICES.txt'), $notices.ToString())
    if ($problems) { throw "The module cannot be packaged:`n  $($problems -join "`n  ")" }

    # 3. Publish-PSResource to the local repository, as a throwaway user.
    $nupkg = Join-Path $OutputPath "$moduleName.$version.nupkg"
    Remove-Item -LiteralPath $nupkg -ErrorAction Ignore
    $publish = Join-Path $work 'publish.ps1'
    Set-Content -LiteralPath $publish -Value @'
param([string]$Repository, [string]$Module)
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name BedrockCostPackage -Uri $Repository -Trusted
Publish-PSResource -Path $Module -Repository BedrockCostPackage
'@
    $run = & (Join-Path $PSScriptRoot 'Start-IsolatedPwsh.ps1') -HomePath (Join-Path $work 'home') -File $publish -ArgumentList $OutputPath, $stage
    if ($run.ExitCode -ne 0 -or -not (Test-Path -LiteralPath $nupkg)) {
        throw "Publish-PSResource failed (exit $($run.ExitCode)):`n$($run.Output)$($run.Error)"
    }

    # What is in it: the module's files, without the package's own metadata (nuspec, _rels, content types).
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $zip = [System.IO.Compression.ZipFile]::OpenRead($nupkg)
    try {
        $files = @($zip.Entries | Where-Object { $_.FullName -notmatch '^(_rels/|package/|\[Content_Types\]\.xml$|[^/]+\.nuspec$)' } |
                Sort-Object FullName | ForEach-Object { [pscustomobject]@{ Path = [uri]::UnescapeDataString($_.FullName); Size = $_.Length } })
    }
    finally { $zip.Dispose() }

    [pscustomobject]@{
        Path       = $nupkg
        Version    = $version
        Size       = (Get-Item -LiteralPath $nupkg).Length
        Files      = $files
        Assemblies = $assemblies
    }
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}
