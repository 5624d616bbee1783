# BedrockCost script module: loads the cmdlet assembly through BedrockCost.Loader into its own
# AssemblyLoadContext so our AWSSDK/Parquet versions never clash with those already in the session
# (AWS.Tools puts its own AWSSDK.Core in the default context).

$importModule = Get-Command -Name Import-Module -Module Microsoft.PowerShell.Core

$isReload = $true
if (-not ('BedrockCost.Loader.LoadContext' -as [type])) {
    $isReload = $false
    Add-Type -Path ([System.IO.Path]::Combine($PSScriptRoot, 'bin', 'BedrockCost.Loader.dll'))
}

$cmdletAssembly = [BedrockCost.Loader.LoadContext]::Initialize()
$innerModule = & $importModule -Assembly $cmdletAssembly -Force -PassThru

# Import-Module -Assembly of an assembly already imported once returns the cached module without adding its
# cmdlets to this module's scope again (PowerShell/PowerShell#20710), so re-export them explicitly.
if ($isReload -and $innerModule) {
    $addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod(
        'AddExportedCmdlet',
        [System.Reflection.BindingFlags]'Instance, NonPublic')
    foreach ($cmdlet in $innerModule.ExportedCmdlets.Values) {
        $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $cmdlet))
    }
}
