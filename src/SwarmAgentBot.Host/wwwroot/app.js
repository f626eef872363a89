// Connects botframework-webchat to this host's Direct Line 3.0 subset.
(function () {
  const status = document.getElementById('status');
  const userInput = document.getElementById('user');
  const params = new URLSearchParams(location.search);
  if (params.get('user')) userInput.value = params.get('user');

  async function start() {
    status.textContent = 'connecting…';
    const user = (userInput.value || '').trim() || 'guest';
    const response = await fetch('api/webchat/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user })
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      status.textContent = (body.error && body.error.message) || ('token request failed: ' + response.status);
      return;
    }
    const { token } = await response.json();
    const directLine = window.WebChat.createDirectLine({
      token,
      domain: new URL('v3/directline', location.href).href.replace(/\/$/, ''),
      webSocket: params.get('polling') !== '1'
    });
    directLine.connectionStatus$.subscribe(s => {
      status.textContent = ['uninitialised', 'connecting…', 'online', 'token expired', 'connection failed', 'ended'][s] || String(s);
    });
    window.WebChat.renderWebChat({
      directLine,
      userID: user,
      username: user,
      locale: 'en-US',
      styleOptions: { hideUploadButton: false, bubbleMaxWidth: 720, botAvatarInitials: 'SB', userAvatarInitials: user.slice(0, 2).toUpperCase() }
    }, document.getElementById('webchat'));
    document.querySelector('#webchat input, #webchat textarea')?.focus();
  }

  document.getElementById('restart').addEventListener('click', () => {
    const container = document.getElementById('webchat');
    container.replaceWith(Object.assign(document.createElement('main'), { id: 'webchat', role: 'main' }));
    start();
  });
  start();
})();
