// The origin tag: the image an instance had before a SystemDiskReplacement first replaced its disk, and which
// resource recorded it. It lives on the instance so that an interruption that loses it from state cannot misdirect a
// revert, and so that a renamed resource can take the instance over from the old one.
import { resourceKey } from "../ecs/client-token";
import type { IdentityInput } from "../resource-identity";
import { RESERVED_TAGS } from "../tags";

/** The origin on an instance: the image, and the key of the resource that recorded it. */
export function originOf(
  tags: Readonly<Record<string, string>>,
): { imageId: string; owner: string | undefined } | undefined {
  const value = tags[RESERVED_TAGS.originImageId];
  if (!value) return undefined;
  const at = value.lastIndexOf("@");
  return at < 0 ? { imageId: value, owner: undefined } : { imageId: value.slice(0, at), owner: value.slice(at + 1) };
}

export function originValue(imageId: string, owner: string): string {
  return `${imageId}@${owner}`;
}

/** The origin image when this resource recorded it. */
export function ownOrigin(tags: Readonly<Record<string, string>>, identity: IdentityInput): string | undefined {
  const found = originOf(tags);
  return found !== undefined && (found.owner === undefined || found.owner === resourceKey(identity))
    ? found.imageId
    : undefined;
}
