describe('runtime', () => {
  it('is the pinned Node 24 LTS, not the machine Node', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(24);
  });
});
