// Admin errors: a refused back-door call and the HTTP status the admin API answers it with.
/** A refused admin (back-door) call, with the HTTP status the admin API answers it with. */
export class AdminError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = "AdminError";
  }
}
