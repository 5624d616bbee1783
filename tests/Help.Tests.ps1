BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $commands = @(Get-Command -Module BedrockCost -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters
}

Describe 'Help for <Name>' -ForEach $commands {
    BeforeAll {
        $help = Get-Help -Name $Name -Full
        $command = Get-Command -Name $Name
    }

    It 'has a written synopsis, not the generated syntax' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
        $help.Synopsis.Trim() | Should -Not -Be $Name
    }

    It 'has a description' {
        ($help.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $parameters = @($command.Parameters.Keys | Where-Object { $_ -notin $commonParameters })
        foreach ($parameter in $parameters) {
            $parameterHelp = $help.parameters.parameter | Where-Object name -EQ $parameter
            ($parameterHelp.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It 'states each parameter as the cmdlet declares it (mandatory, position, pipeline input)' {
        foreach ($parameter in @($command.Parameters.Values | Where-Object Name -NotIn $commonParameters)) {
            $parameterHelp = $help.parameters.parameter | Where-Object name -EQ $parameter.Name
            $attributes = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
            $positions = @($attributes | Where-Object { $_.Position -ge 0 } | ForEach-Object Position)
            $expected = if ($positions.Count) { [string]$positions[0] } else { 'named' }
            $parameterHelp.position | Should -Be $expected -Because "-$($parameter.Name)'s position"
            $parameterHelp.required | Should -Be ([string][bool]($attributes | Where-Object Mandatory)).ToLowerInvariant() -Because "-$($parameter.Name) is required or not"
            $byValue = [bool]($attributes | Where-Object ValueFromPipeline)
            ($parameterHelp.pipelineInput -match 'ByValue') | Should -Be $byValue -Because "-$($parameter.Name)'s pipeline input"
        }
    }

    It 'has at least 2 examples' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
    }

    It 'has an example that uses the pipeline' {
        @($help.examples.example | Where-Object { $_.code -match '\|' }).Count | Should -BeGreaterOrEqual 1
    }
}

Describe 'about_BedrockCost' {
    It 'is found by Get-Help' {
        $topic = Get-Help -Name about_BedrockCost
        ($topic | Out-String) | Should -Match 'about_BedrockCost'
    }
}
