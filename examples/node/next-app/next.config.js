// The native addon is loaded by Node, not bundled.
module.exports = { serverExternalPackages: ['outbox'] };
