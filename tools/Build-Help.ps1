<#
.SYNOPSIS
Builds MAML external help for the BedrockCost cmdlets from docs/en-US/<Cmdlet-Name>.md plus the cmdlets'
own metadata.

.DESCRIPTION
Run in a child pwsh (build.ps1 does) because it imports the built module, and an AssemblyLoadContext
cannot be unloaded from the build's own session.

Prose (synopsis, description, examples, parameter descriptions, inputs, outputs, notes, links) comes from the
markdown; everything the binary already knows (parameter sets, types, mandatory, position, pipeline input,
aliases, wildcards) comes from Get-Command, so the two cannot drift. The format is described in
docs/en-US/README-format.md. Any problem fails the build with one message listing all of them.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$DocsPath,
    # Every folder the MAML file is written to (PowerShell looks in more than one place, see build.ps1).
    [Parameter(Mandatory)][string[]]$OutputPath,
    # Where skeleton markdown is written for cmdlets that have none yet.
    [string]$StubPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters
# Documented by default like PowerShell's own help; a markdown section overrides these.
$defaultDescriptions = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

function Split-Paragraph([string[]]$Lines) {
    # Blank lines separate paragraphs; list items start their own paragraph so Get-Help keeps them apart.
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $current = [System.Collections.Generic.List[string]]::new()
    foreach ($line in $Lines) {
        $text = $line.Trim()
        if (-not $text -or $text -match '^([-*+]|\d+\.)\s') {
            if ($current.Count) { $paragraphs.Add($current -join ' '); $current.Clear() }
        }
        if ($text) { $current.Add($text) }
    }
    if ($current.Count) { $paragraphs.Add($current -join ' ') }
    , $paragraphs.ToArray()
}

function Read-HelpMarkdown([string]$Path) {
    # Returns the document as sections (## headings) holding subsections (### headings) holding raw lines;
    # headings inside fenced code are text.
    $doc = [ordered]@{ Title = $null; Sections = [ordered]@{} }
    $section = $null
    $sub = $null
    $inFence = $false
    foreach ($line in [System.IO.File]::ReadAllLines($Path)) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^#\s+(.+?)\s*$' -and -not $doc.Title) {
            $doc.Title = $Matches[1]
            continue
        }
        if (-not $inFence -and $line -match '^##\s+(.+?)\s*$') {
            $section = [ordered]@{ Lines = [System.Collections.Generic.List[string]]::new(); Subs = [System.Collections.Generic.List[object]]::new() }
            $doc.Sections[$Matches[1].ToUpperInvariant()] = $section
            $sub = $null
            continue
        }
        if (-not $inFence -and $line -match '^###\s+(.+?)\s*$' -and $section) {
            $sub = [ordered]@{ Title = $Matches[1]; Lines = [System.Collections.Generic.List[string]]::new() }
            $section.Subs.Add($sub)
            continue
        }
        if ($sub) { $sub.Lines.Add($line) }
        elseif ($section) { $section.Lines.Add($line) }
    }
    $doc
}

function Split-Example([string[]]$Lines) {
    # Fenced blocks are the code (several blocks are joined); the rest are the remarks.
    $code = [System.Collections.Generic.List[string]]::new()
    $remarks = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence; continue }
        if ($inFence) { $code.Add($line) } else { $remarks.Add($line) }
    }
    [pscustomobject]@{ Code = ($code -join "`n").Trim(); Remarks = Split-Paragraph $remarks }
}

function Split-ParameterText([string[]]$Lines) {
    # Prose plus an optional 'Default value: X' line (also accepted inside a platyPS-style yaml block).
    $default = $null
    $prose = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence; continue }
        if ($line -match '^\s*Default value:\s*(.*?)\s*$') { $default = $Matches[1]; continue }
        if (-not $inFence) { $prose.Add($line) }
    }
    [pscustomobject]@{ Paragraphs = Split-Paragraph $prose; Default = $default }
}

function Get-TypeName([type]$Type) {
    # Short names like Get-Help shows: String[], Nullable[DateTime] -> DateTime, SwitchParameter.
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { $Type = $underlying }
    if ($Type.IsArray) { return (Get-TypeName $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType) {
        $genericArgs = ($Type.GetGenericArguments() | ForEach-Object { Get-TypeName $_ }) -join ', '
        return $Type.Name.Substring(0, $Type.Name.IndexOf('`')) + "[$genericArgs]"
    }
    $Type.Name
}

function Get-PipelineInput($Attributes) {
    $kinds = @(
        if ($Attributes | Where-Object ValueFromPipelineByPropertyName) { 'ByPropertyName' }
        if ($Attributes | Where-Object ValueFromPipeline) { 'ByValue' }
    )
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

$script:xml = $null
function Add-Element($Parent, [string]$Name, [string]$Text) {
    $prefix, $local = $Name.Split(':')
    $ns = @{ maml = 'http://schemas.microsoft.com/maml/2004/10'; command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; dev = 'http://schemas.microsoft.com/maml/dev/2004/10' }[$prefix]
    $element = $script:xml.CreateElement($prefix, $local, $ns)
    if ($PSBoundParameters.ContainsKey('Text')) { $element.InnerText = $Text }
    $null = $Parent.AppendChild($element)
    $element
}

function Add-Paragraphs($Parent, [string]$Name, [string[]]$Paragraphs) {
    $element = Add-Element $Parent $Name
    foreach ($p in $Paragraphs) { $null = Add-Element $element 'maml:para' $p }
    $element
}

function Add-Parameter($Parent, $Parameter, $Attributes, $Doc, [bool]$InSyntax) {
    $mandatory = [bool]($Attributes | Where-Object Mandatory)
    $positions = @($Attributes | Where-Object { $_.Position -ge 0 } | ForEach-Object Position)
    $isSwitch = $Parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]
    $globbing = [bool]($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $aliases = if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }
    $typeName = Get-TypeName $Parameter.ParameterType

    $element = Add-Element $Parent 'command:parameter'
    $element.SetAttribute('required', $mandatory.ToString().ToLowerInvariant())
    $element.SetAttribute('variableLength', $Parameter.ParameterType.IsArray.ToString().ToLowerInvariant())
    $element.SetAttribute('globbing', $globbing.ToString().ToLowerInvariant())
    $element.SetAttribute('pipelineInput', (Get-PipelineInput $Attributes))
    $element.SetAttribute('position', $(if ($positions.Count) { [string]($positions | Select-Object -First 1) } else { 'named' }))
    $element.SetAttribute('aliases', $aliases)
    $null = Add-Element $element 'maml:name' $Parameter.Name
    $null = Add-Paragraphs $element 'maml:description' $Doc.Paragraphs
    if (-not ($isSwitch -and $InSyntax)) {
        $value = Add-Element $element 'command:parameterValue' $typeName
        $value.SetAttribute('required', (-not $isSwitch).ToString().ToLowerInvariant())
        $value.SetAttribute('variableLength', $Parameter.ParameterType.IsArray.ToString().ToLowerInvariant())
    }
    $type = Add-Element $element 'dev:type'
    $null = Add-Element $type 'maml:name' $typeName
    $null = Add-Element $type 'maml:uri' ''
    $null = Add-Element $element 'dev:defaultValue' $(if ($Doc.Default) { $Doc.Default } elseif ($isSwitch) { 'False' } else { 'None' })
}

function Add-TypeList($Parent, [string]$ListName, [string]$ItemName, $Section) {
    if (-not $Section -or -not $Section.Subs.Count) { return }
    $list = Add-Element $Parent $ListName
    foreach ($sub in $Section.Subs) {
        $item = Add-Element $list $ItemName
        $type = Add-Element $item 'dev:type'
        $null = Add-Element $type 'maml:name' $sub.Title
        $null = Add-Element $type 'maml:uri' ''
        $null = Add-Paragraphs $item 'maml:description' (Split-Paragraph $sub.Lines)
    }
}

Import-Module -Name $ModulePath -Force
$moduleName = [System.IO.Path]::GetFileNameWithoutExtension($ModulePath)
$commands = @(Get-Command -Module $moduleName -CommandType Cmdlet | Sort-Object Name)
if (-not $commands) {
    Write-Warning "Help: module '$ModulePath' exports no cmdlets yet; no MAML file written."
    return
}

$problems = [System.Collections.Generic.List[string]]::new()
$script:xml = [System.Xml.XmlDocument]::new()
$null = $xml.AppendChild($xml.CreateXmlDeclaration('1.0', 'utf-8', $null))
$root = $xml.CreateElement('helpItems', 'http://msh')
$root.SetAttribute('schema', 'maml')
$null = $xml.AppendChild($root)

# Parameters shared by several cmdlets (source, period, filters, AWS connection) are described once in
# SharedParameters.md; a cmdlet's own page may still describe one differently.
$sharedDocs = @{}
$sharedPath = Join-Path $DocsPath 'SharedParameters.md'
if (Test-Path -LiteralPath $sharedPath) {
    $shared = Read-HelpMarkdown $sharedPath
    if ($shared.Sections.Contains('PARAMETERS')) {
        foreach ($sub in $shared.Sections['PARAMETERS'].Subs) { $sharedDocs[$sub.Title.TrimStart('-')] = Split-ParameterText $sub.Lines }
    }
}

foreach ($command in $commands) {
    $mdPath = Join-Path $DocsPath "$($command.Name).md"
    $parameters = @($command.Parameters.Values | Where-Object { $_.Name -notin $commonParameters } | Sort-Object Name)
    if (-not (Test-Path -LiteralPath $mdPath)) {
        $problems.Add("$($command.Name): no help source '$mdPath'.")
        if ($StubPath) {
            $null = New-Item -ItemType Directory -Force -Path $StubPath
            $stub = @("# $($command.Name)", '## SYNOPSIS', 'TODO', '## DESCRIPTION', 'TODO', '## EXAMPLES',
                '### Example 1: TODO', '```powershell', 'TODO', '```', 'TODO', '### Example 2: TODO', '```powershell', 'TODO | TODO', '```', 'TODO',
                '## PARAMETERS') + @($parameters | ForEach-Object { "### -$($_.Name)"; 'TODO' }) +
                @('## INPUTS', '### TODO', 'TODO', '## OUTPUTS', '### TODO', 'TODO', '## NOTES', '', '## RELATED LINKS', 'about_BedrockCost')
            Set-Content -LiteralPath (Join-Path $StubPath "$($command.Name).md") -Value $stub
            $problems.Add("  a skeleton was written to '$(Join-Path $StubPath "$($command.Name).md")'.")
        }
        continue
    }

    $doc = Read-HelpMarkdown $mdPath
    $where = "$($command.Name) ($mdPath)"
    if ($doc.Title -ne $command.Name) { $problems.Add("${where}: the title must be '# $($command.Name)', found '# $($doc.Title)'.") }
    $section = { param($name) if ($doc.Sections.Contains($name)) { $doc.Sections[$name] } }
    $sectionText = { param($name) if ($doc.Sections.Contains($name)) { Split-Paragraph $doc.Sections[$name].Lines } else { @() } }
    $synopsis = & $sectionText 'SYNOPSIS'
    $description = & $sectionText 'DESCRIPTION'
    if (-not $synopsis) { $problems.Add("${where}: '## SYNOPSIS' is missing or empty.") }
    if (-not $description) { $problems.Add("${where}: '## DESCRIPTION' is missing or empty.") }

    $examples = @(if (& $section 'EXAMPLES') { foreach ($sub in (& $section 'EXAMPLES').Subs) {
        $e = Split-Example $sub.Lines
        if (-not $e.Code) { $problems.Add("${where}: example '$($sub.Title)' has no fenced code block.") }
        [pscustomobject]@{ Title = $sub.Title; Code = $e.Code; Remarks = $e.Remarks }
    } })
    if ($examples.Count -lt 2) { $problems.Add("${where}: needs at least 2 examples under '## EXAMPLES', found $($examples.Count).") }

    $paramDocs = @{}
    if (& $section 'PARAMETERS') {
        foreach ($sub in (& $section 'PARAMETERS').Subs) { $paramDocs[$sub.Title.TrimStart('-')] = Split-ParameterText $sub.Lines }
    }
    foreach ($name in $paramDocs.Keys) {
        if ($name -notin $parameters.Name -and $name -ne 'CommonParameters') { $problems.Add("${where}: documents '-$name', which the cmdlet does not have.") }
    }
    foreach ($p in $parameters) {
        if (-not $paramDocs.ContainsKey($p.Name) -and $sharedDocs.ContainsKey($p.Name)) { $paramDocs[$p.Name] = $sharedDocs[$p.Name] }
        if (-not $paramDocs.ContainsKey($p.Name) -and $defaultDescriptions.ContainsKey($p.Name)) {
            $paramDocs[$p.Name] = [pscustomobject]@{ Paragraphs = @($defaultDescriptions[$p.Name]); Default = 'False' }
        }
        if (-not $paramDocs.ContainsKey($p.Name) -or -not $paramDocs[$p.Name].Paragraphs) {
            $problems.Add("${where}: parameter -$($p.Name) has no description under '## PARAMETERS' ('### -$($p.Name)').")
            $paramDocs[$p.Name] = [pscustomobject]@{ Paragraphs = @(); Default = $null }
        }
    }

    $verb, $noun = $command.Name -split '-', 2
    $cmd = Add-Element $root 'command:command'
    $details = Add-Element $cmd 'command:details'
    $null = Add-Element $details 'command:name' $command.Name
    $null = Add-Element $details 'command:verb' $verb
    $null = Add-Element $details 'command:noun' $noun
    $null = Add-Paragraphs $details 'maml:description' $synopsis
    $null = Add-Paragraphs $cmd 'maml:description' $description

    $syntax = Add-Element $cmd 'command:syntax'
    foreach ($set in ($command.ParameterSets | Sort-Object { -not $_.IsDefault })) {
        $item = Add-Element $syntax 'command:syntaxItem'
        $null = Add-Element $item 'maml:name' $command.Name
        # Positional first by position, then mandatory, then the rest: the order Get-Command -Syntax uses.
        $setParams = $set.Parameters | Where-Object { $_.Name -notin $commonParameters } |
            Sort-Object @{ e = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ e = { -not $_.IsMandatory } }
        foreach ($sp in $setParams) {
            $meta = $command.Parameters[$sp.Name]
            $attrs = @($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and
                    ($_.ParameterSetName -eq $set.Name -or $_.ParameterSetName -eq '__AllParameterSets') })
            Add-Parameter $item $meta $attrs $paramDocs[$sp.Name] $true
        }
    }

    $paramsElement = Add-Element $cmd 'command:parameters'
    foreach ($p in $parameters) {
        Add-Parameter $paramsElement $p @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }) $paramDocs[$p.Name] $false
    }

    Add-TypeList $cmd 'command:inputTypes' 'command:inputType' (& $section 'INPUTS')
    Add-TypeList $cmd 'command:returnValues' 'command:returnValue' (& $section 'OUTPUTS')

    $notes = & $sectionText 'NOTES'
    if ($notes) {
        $alertSet = Add-Element $cmd 'maml:alertSet'
        $null = Add-Paragraphs $alertSet 'maml:alert' $notes
    }

    $examplesElement = Add-Element $cmd 'command:examples'
    foreach ($e in $examples) {
        $example = Add-Element $examplesElement 'command:example'
        $null = Add-Element $example 'maml:title' "--------- $($e.Title) ---------"
        $null = Add-Element $example 'dev:code' $e.Code
        $null = Add-Paragraphs $example 'dev:remarks' $e.Remarks
    }

    $links = if (& $section 'RELATED LINKS') { @((& $section 'RELATED LINKS').Lines | ForEach-Object Trim | Where-Object { $_ }) } else { @() }
    if ($links) {
        $linksElement = Add-Element $cmd 'command:relatedLinks'
        foreach ($link in $links) {
            $nav = Add-Element $linksElement 'maml:navigationLink'
            # Markdown links [text](uri) become text + uri; bare names (about_BedrockCost, Get-X) stay text.
            if ($link -match '^[-*]?\s*\[(.+?)\]\((.*?)\)$') {
                $null = Add-Element $nav 'maml:linkText' $Matches[1]
                $null = Add-Element $nav 'maml:uri' $Matches[2]
            }
            else {
                $null = Add-Element $nav 'maml:linkText' ($link -replace '^[-*]\s*', '')
                $null = Add-Element $nav 'maml:uri' ''
            }
        }
    }
}

if ($problems.Count) {
    # Plain lines, not an error record: the error view would wrap and indent the list.
    [Console]::Error.WriteLine("Help generation failed (format: docs/en-US/README-format.md):")
    foreach ($problem in $problems) { [Console]::Error.WriteLine("  $problem") }
    exit 1
}

$assemblyName = [System.IO.Path]::GetFileName($commands[0].DLL)
foreach ($folder in $OutputPath) {
    $null = New-Item -ItemType Directory -Force -Path $folder
    $target = Join-Path $folder "$assemblyName-Help.xml"
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
    $writer = [System.Xml.XmlWriter]::Create($target, $settings)
    try { $xml.Save($writer) } finally { $writer.Dispose() }
    Write-Host "Help: wrote $target ($($commands.Count) cmdlets)"
}
