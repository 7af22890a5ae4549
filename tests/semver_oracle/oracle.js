// Answers range questions with node-semver itself: the reference for resolver/npm.py.
// stdin: {"cases": [[range, includePrerelease, [version, ...]], ...]}
// stdout: [[valid, [satisfies per version], maxSatisfying or null], ...]
'use strict'
const semver = require('semver')

let input = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => { input += chunk })
process.stdin.on('end', () => {
  const answers = JSON.parse(input).cases.map(([range, includePrerelease, versions]) => {
    const options = { includePrerelease }
    const valid = semver.validRange(range, options) !== null
    const matches = versions.map((version) => semver.satisfies(version, range, options))
    return [valid, matches, semver.maxSatisfying(versions, range, options)]
  })
  process.stdout.write(JSON.stringify(answers))
})
