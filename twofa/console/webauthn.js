// Passkeys in the browser: the API gives WebAuthn options in their JSON form (Level 3) and
// takes the credential back in that form; navigator.credentials works with ArrayBuffers.
//
// Browsers that know PublicKeyCredential.parseCreationOptionsFromJSON (and its request
// twin) and credential.toJSON() convert by themselves; for the others, the few binary
// members are converted here, from and to base64url.
//
// WebAuthn needs a secure context (https, or http://localhost) and the page's host must be
// the relying party id the server uses (the host of its PUBLIC_URL).

/** Whether this browser, on this page, can create and use passkeys. */
export function passkeysSupported() {
  return window.isSecureContext && typeof window.PublicKeyCredential === "function" && Boolean(navigator.credentials);
}

/** The passkey's creation, from `startPasskeyRegistration`'s options; resolves to its JSON form. */
export async function createPasskey(optionsJSON) {
  const options = publicKey(optionsJSON);
  const parsed = PublicKeyCredential.parseCreationOptionsFromJSON
    ? PublicKeyCredential.parseCreationOptionsFromJSON(options)
    : {
        ...options,
        challenge: fromBase64url(options.challenge),
        user: { ...options.user, id: fromBase64url(options.user.id) },
        excludeCredentials: (options.excludeCredentials ?? []).map(descriptor),
      };
  return credentialJSON(await ask(() => navigator.credentials.create({ publicKey: parsed })));
}

/** An assertion with one of the operator's passkeys, from request options; resolves to its JSON form. */
export async function usePasskey(optionsJSON) {
  const options = publicKey(optionsJSON);
  const parsed = PublicKeyCredential.parseRequestOptionsFromJSON
    ? PublicKeyCredential.parseRequestOptionsFromJSON(options)
    : { ...options, challenge: fromBase64url(options.challenge), allowCredentials: (options.allowCredentials ?? []).map(descriptor) };
  return credentialJSON(await ask(() => navigator.credentials.get({ publicKey: parsed })));
}

/** Why a passkey could not be used, in words for the operator (thrown by createPasskey and usePasskey). */
export class PasskeyProblem extends Error {}

async function ask(call) {
  try {
    const credential = await call();
    if (!credential) throw new PasskeyProblem("No passkey was chosen.");
    return credential;
  } catch (error) {
    if (error instanceof PasskeyProblem) throw error;
    // The browser says as little as it can, on purpose: NotAllowedError covers a cancelled
    // prompt, a timeout and "no passkey of yours here" alike.
    if (error?.name === "NotAllowedError") throw new PasskeyProblem("The passkey prompt was cancelled or timed out. Try again.");
    if (error?.name === "InvalidStateError") throw new PasskeyProblem("This passkey is registered already.");
    if (error?.name === "SecurityError") throw new PasskeyProblem("Passkeys do not work at this address. Open the console at its usual address.");
    throw new PasskeyProblem(`The passkey could not be used (${error?.name ?? "unknown error"}).`);
  }
}

// The options may come as { publicKey: {...} } or as the options themselves, even as text.
function publicKey(optionsJSON) {
  const options = typeof optionsJSON === "string" ? JSON.parse(optionsJSON) : optionsJSON;
  return options.publicKey ?? options;
}

const descriptor = (credential) => ({ ...credential, id: fromBase64url(credential.id) });

function credentialJSON(credential) {
  if (typeof credential.toJSON === "function") return credential.toJSON();
  const response = credential.response;
  const encoded = { clientDataJSON: toBase64url(response.clientDataJSON) };
  if (response.attestationObject) {
    encoded.attestationObject = toBase64url(response.attestationObject);
    encoded.transports = response.getTransports?.() ?? [];
  } else {
    encoded.authenticatorData = toBase64url(response.authenticatorData);
    encoded.signature = toBase64url(response.signature);
    if (response.userHandle) encoded.userHandle = toBase64url(response.userHandle);
  }
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: encoded,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
  };
}

/** base64url (no padding) → ArrayBuffer. */
export function fromBase64url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** ArrayBuffer (or a view of one) → base64url without padding. */
export function toBase64url(buffer) {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
